"""Every model, imported in one place for Alembic and the app factory."""

from app.absence.models import (
    AbsenceImport,
    AbsencePolicy,
    Referral,
    RegisterAbsence,
    SicknessReport,
)
from app.admin.models import ImportBatch
from app.audit import AuditEvent
from app.cache import CacheEntry
from app.contacts.models import ContactDetails, ContactNote, EmailChange
from app.feeds.models import FeedToken
from app.goals.models import Goal, GoalUpdate
from app.leave.models import LeaveConsent, LeaveRequest
from app.mentortime.models import MentorTime, MentorTimeOccurrence
from app.outbox import OutboxMessage
from app.people.models import Guardianship, SignInToken, Staff, Student, User
from app.ratelimit import RateLimitCounter
from app.school.models import (
    DayOff,
    GroupMembership,
    GroupMentor,
    GroupTransfer,
    MentorGroup,
    School,
    SchoolYear,
    Term,
)
from app.submissions import Submission
from app.surveys.models import SurveyAnswered, SurveyComment, SurveyTally
from app.talks.models import TalkBooking, TalkPeriod, TalkRecord, TalkSlot

__all__ = [
    "AbsenceImport",
    "AbsencePolicy",
    "Referral",
    "RegisterAbsence",
    "SicknessReport",
    "AuditEvent",
    "CacheEntry",
    "ContactDetails",
    "ContactNote",
    "EmailChange",
    "FeedToken",
    "Goal",
    "GoalUpdate",
    "DayOff",
    "GroupMembership",
    "GroupMentor",
    "GroupTransfer",
    "ImportBatch",
    "LeaveConsent",
    "LeaveRequest",
    "Guardianship",
    "MentorGroup",
    "MentorTime",
    "MentorTimeOccurrence",
    "OutboxMessage",
    "RateLimitCounter",
    "School",
    "Submission",
    "SurveyAnswered",
    "SurveyComment",
    "SurveyTally",
    "SchoolYear",
    "SignInToken",
    "Staff",
    "Student",
    "TalkBooking",
    "TalkPeriod",
    "TalkRecord",
    "TalkSlot",
    "Term",
    "User",
]
