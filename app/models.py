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
from app.talks.models_prep import TalkGuardianQuestions, TalkPreparation, TalkPreparationGoal
from app.teaching.models import TeacherInput, TeachingAssignment, TeachingReminder
from app.teaching.models_assessment import AssessmentEntry, WrittenAssessment
from app.teaching.models_concerns import Concern  # concerns (issue 19)
from app.teaching.models_handover import Handover

__all__ = [
    "AbsenceImport",
    "AssessmentEntry",
    "AbsencePolicy",
    "Referral",
    "RegisterAbsence",
    "SicknessReport",
    "AuditEvent",
    "CacheEntry",
    "Concern",
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
    "Handover",
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
    "TalkGuardianQuestions",
    "TalkPreparation",
    "TalkPreparationGoal",
    "TalkPeriod",
    "TalkRecord",
    "TalkSlot",
    "TeacherInput",
    "TeachingAssignment",
    "TeachingReminder",
    "Term",
    "User",
    "WrittenAssessment",
]
