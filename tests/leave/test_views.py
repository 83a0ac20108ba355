"""Leave over HTTP: guardians apply and follow, mentors and principals decide."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.leave.models import LeaveRequest
from app.outbox import OutboxMessage
from app.school.calendar import school_days
from app.school.models import School, SchoolYear
from tests.conftest import csrf_token, post_form
from tests.talks.helpers import student


def _school_days_ahead(app, count: int, offset: int = 7) -> tuple[date, date]:
    """A range of `count` school days starting at least `offset` days from today."""
    with app.app_context():
        year = db.session.scalar(select(SchoolYear))
        start = date.today() + timedelta(days=offset)
        days = school_days(start, start + timedelta(days=60), year)
        return days[0], days[count - 1]


def _apply(client, app, students, count=2, offset=7, action="send", **extra):
    start, end = _school_days_ahead(app, count, offset)
    return post_form(
        client,
        "/leave/new",
        {
            "students": students,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "reason": "travel",
            "note": "Mormors 80-årsdag",
            "action": action,
            **extra,
        },
    )


@pytest.fixture
def kids(app):
    with app.app_context():
        return {"elsa": student("Elsa").id, "oskar": student("Oskar").id}


def test_preview_shows_days_used_and_decider(app, login_as, kids):
    response = _apply(login_as("guardian"), app, [kids["oskar"]], count=2, action="preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "2 skoldagar" in page
        and "0 beviljade tidigare i läsåret" in page
        and "Mentorn beslutar." in page
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LeaveRequest)) == 3  # demo only


def test_one_form_for_two_children_makes_two_requests(app, login_as, kids):
    response = _apply(login_as("guardian"), app, [kids["oskar"], kids["elsa"]], count=2)
    assert response.status_code == 303
    with app.app_context():
        made = db.session.scalars(
            select(LeaveRequest).where(LeaveRequest.student_id.in_(kids.values()))
        ).all()
        assert len(made) == 2 and len({r.batch for r in made}) == 1
        assert all(r.school_days == 2 and r.decider == "mentor" for r in made)
        mails = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert mails.count("guardian@example.org") == 2 and "guardian2@example.org" in mails


def test_more_than_the_limit_goes_to_the_principal(app, login_as, kids):
    _apply(login_as("guardian"), app, [kids["oskar"]], count=4)
    with app.app_context():
        request = db.session.scalar(
            select(LeaveRequest).where(LeaveRequest.student_id == kids["oskar"])
        )
        assert request.decider == "principal"
    inbox = login_as("mentor").get("/leave/inbox").get_data(as_text=True)
    assert "Väntar på rektor" in inbox and "Oskar Lindqvist" in inbox


@pytest.mark.parametrize(
    ("start_offset", "end_offset", "message"),
    [
        (10, 8, "Sista dagen måste vara samma som eller efter första dagen."),
        (-3, 2, "Ledigheten kan inte börja bakåt i tiden."),
        (10, 400, "Dagarna måste ligga inom läsåret."),
    ],
)
def test_bad_dates_are_explained_and_input_kept(
    app, login_as, kids, start_offset, end_offset, message
):
    start = date.today() + timedelta(days=start_offset)
    end = date.today() + timedelta(days=end_offset)
    response = post_form(
        login_as("guardian"),
        "/leave/new",
        {
            "students": [kids["oskar"]],
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "reason": "family",
            "note": "Viktig anteckning",
            "action": "send",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "Viktig anteckning" in page and f'value="{start.isoformat()}"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LeaveRequest)) == 3


def test_overlapping_request_is_refused(app, login_as, kids):
    guardian = login_as("guardian")
    _apply(guardian, app, [kids["oskar"]], count=2)
    again = _apply(guardian, app, [kids["oskar"]], count=1)
    assert again.status_code == 422
    assert "Det finns redan en ansökan för några av de här dagarna." in again.get_data(as_text=True)


def test_no_child_chosen(app, login_as):
    response = _apply(login_as("guardian"), app, [], count=1)
    assert response.status_code == 422 and "Välj minst ett barn." in response.get_data(as_text=True)


def test_guardian_withdraws_a_pending_request(app, login_as, kids):
    guardian = login_as("guardian")
    _apply(guardian, app, [kids["oskar"]], count=1)
    with app.app_context():
        request_id = db.session.scalar(
            select(LeaveRequest.id).where(LeaveRequest.student_id == kids["oskar"])
        )
    response = post_form(guardian, f"/leave/{request_id}/withdraw", {}, page=f"/leave/{request_id}")
    assert response.status_code == 303
    assert "Återtagen" in guardian.get("/leave").get_data(as_text=True)
    # The other guardian of Oskar may not withdraw what is already withdrawn: refused cleanly.
    second = post_form(
        login_as("other_guardian"), f"/leave/{request_id}/withdraw", {}, page="/leave"
    )
    assert second.status_code == 303


def test_mentor_approves_inline_and_the_guardians_are_told(app, login_as, kids):
    _apply(login_as("guardian"), app, [kids["oskar"]], count=2)
    with app.app_context():
        request_id = db.session.scalar(
            select(LeaveRequest.id).where(LeaveRequest.student_id == kids["oskar"])
        )
    mentor = login_as("mentor")
    response = post_form(
        mentor,
        f"/leave/{request_id}/decide",
        {"decision": "approve", "comment": "Trevlig resa!"},
        page="/leave/inbox",
        headers={"HX-Request": "true", "HX-Target": f"leave-{request_id}"},
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith("<li")
    assert "Beviljad. Vårdnadshavarna får besked." in fragment and "Trevlig resa!" in fragment
    with app.app_context():
        mail = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == "guardian2@example.org")
            .order_by(OutboxMessage.id.desc())
        ).first()
        assert "är beviljad" in mail.body_text
        assert (
            db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
            == "leave.approved"
        )
    page = login_as("guardian").get(f"/leave/{request_id}").get_data(as_text=True)
    assert "Beviljad" in page and "Trevlig resa!" in page


def test_reject_needs_a_comment(app, login_as):
    with app.app_context():
        request_id = db.session.scalar(
            select(LeaveRequest.id).where(
                LeaveRequest.decider == "mentor", LeaveRequest.status == "pending"
            )
        )
    response = post_form(
        login_as("mentor"),
        f"/leave/{request_id}/decide",
        {"decision": "reject", "comment": ""},
        page="/leave/inbox",
    )
    assert response.status_code == 422
    assert "Skriv varför, så att vårdnadshavarna förstår beslutet." in response.get_data(
        as_text=True
    )


def test_mentor_cannot_decide_a_principal_request(app, login_as):
    with app.app_context():
        request_id = db.session.scalar(
            select(LeaveRequest.id).where(LeaveRequest.decider == "principal")
        )
    page = login_as("mentor").get(f"/leave/{request_id}").get_data(as_text=True)
    assert 'value="approve"' not in page and "Rektor beslutar om den här ansökan." in page
    response = post_form(
        login_as("mentor"),
        f"/leave/{request_id}/decide",
        {"decision": "approve"},
        page="/leave/inbox",
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(LeaveRequest, request_id).status == "pending"
    principal = login_as("principal")
    post_form(
        principal,
        f"/leave/{request_id}/decide",
        {"decision": "approve", "comment": ""},
        page=f"/leave/{request_id}",
    )
    with app.app_context():
        assert db.session.get(LeaveRequest, request_id).status == "approved"


def test_mentor_approval_rechecks_the_limit(app, login_as, kids):
    """Two requests each within the limit, but together over it: the second is passed on."""
    guardian = login_as("guardian")
    _apply(guardian, app, [kids["oskar"]], count=2, offset=7)
    _apply(guardian, app, [kids["oskar"]], count=1, offset=30)
    with app.app_context():
        first, second = db.session.scalars(
            select(LeaveRequest)
            .where(LeaveRequest.student_id == kids["oskar"])
            .order_by(LeaveRequest.start_date)
        ).all()
        assert first.decider == second.decider == "mentor"
        db.session.get(School, 1).mentor_max_days = 2
        db.session.commit()
        first_id, second_id = first.id, second.id
    mentor = login_as("mentor")
    post_form(mentor, f"/leave/{first_id}/decide", {"decision": "approve"}, page="/leave/inbox")
    response = post_form(
        mentor,
        f"/leave/{second_id}/decide",
        {"decision": "approve"},
        page="/leave/inbox",
        follow_redirects=True,
    )
    assert "lämnats vidare till rektor" in response.get_data(as_text=True)
    with app.app_context():
        second = db.session.get(LeaveRequest, second_id)
        assert second.status == "pending" and second.decider == "principal"


def test_mentor_passes_a_request_on(app, login_as):
    with app.app_context():
        request_id = db.session.scalar(
            select(LeaveRequest.id).where(
                LeaveRequest.decider == "mentor", LeaveRequest.status == "pending"
            )
        )
    response = post_form(
        login_as("mentor"), f"/leave/{request_id}/pass-on", {}, page="/leave/inbox"
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(LeaveRequest, request_id).decider == "principal"


def test_consent_of_all_guardians(app, login_as, kids):
    with app.app_context():
        db.session.get(School, 1).leave_requires_all_guardians = True
        db.session.commit()
    _apply(login_as("guardian"), app, [kids["oskar"]], count=1)
    with app.app_context():
        request_id = db.session.scalar(
            select(LeaveRequest.id).where(LeaveRequest.student_id == kids["oskar"])
        )
    mentor = login_as("mentor")
    refused = post_form(
        mentor,
        f"/leave/{request_id}/decide",
        {"decision": "approve"},
        page="/leave/inbox",
        follow_redirects=True,
    )
    assert "Alla vårdnadshavare måste godkänna" in refused.get_data(as_text=True)
    johan = login_as("other_guardian")
    assert "Jag godkänner ansökan" in johan.get(f"/leave/{request_id}").get_data(as_text=True)
    post_form(johan, f"/leave/{request_id}/consent", {}, page=f"/leave/{request_id}")
    post_form(mentor, f"/leave/{request_id}/decide", {"decision": "approve"}, page="/leave/inbox")
    with app.app_context():
        assert db.session.get(LeaveRequest, request_id).status == "approved"


def test_two_deciders_at_once_one_wins(app, login_as):
    """Mentor and principal decide the same request at the same moment, over real HTTP."""
    import http.client
    from urllib.parse import urlencode

    from werkzeug.serving import make_server

    with app.app_context():
        request_id = db.session.scalar(
            select(LeaveRequest.id).where(
                LeaveRequest.decider == "mentor", LeaveRequest.status == "pending"
            )
        )
    people = []
    for role, decision in (("mentor", "approve"), ("principal", "reject")):
        client = login_as(role)
        token = csrf_token(client, f"/leave/{request_id}")
        people.append((client.get_cookie("session").value, token, decision))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    barrier = threading.Barrier(2)
    results = []

    def decide(cookie, token, decision):
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        body = urlencode(
            {"csrf_token": token, "decision": decision, "comment": f"{decision} by race"}
        )
        barrier.wait()
        conn.request(
            "POST",
            f"/leave/{request_id}/decide",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"session={cookie}",
            },
        )
        results.append(conn.getresponse().status)

    threads = [threading.Thread(target=decide, args=p) for p in people]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    server.shutdown()
    assert results == [303, 303]
    with app.app_context():
        request = db.session.get(LeaveRequest, request_id)
        assert request.status in ("approved", "rejected")
        decisions = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "leave_request",
                AuditEvent.object_id == request_id,
                AuditEvent.action.in_(("leave.approved", "leave.rejected")),
            )
        ).all()
        assert len(decisions) == 1  # one decision, never overwritten
        assert (
            request.decision_comment
            == f"{'approve' if request.status == 'approved' else 'reject'} by race"
        )


def test_principal_filters_and_totals(app, login_as):
    principal = login_as("principal")
    page = principal.get("/leave/schools/1").get_data(as_text=True)
    assert "Beviljad ledighet per grupp" in page and re.search(
        r"<th scope=\"row\">7A</th><td class=\"num\">1</td><td class=\"num\">1</td>", page
    )
    pending = principal.get("/leave/schools/1?status=pending").get_data(as_text=True)
    assert pending.count('class="card leave-item"') == 2
    approved = principal.get("/leave/schools/1?status=approved").get_data(as_text=True)
    assert approved.count('class="card leave-item"') == 1
    none = principal.get("/leave/schools/1?from=2030-01-01").get_data(as_text=True)
    assert "Inga ansökningar matchar." in none


def test_approved_before_does_not_count_the_request_itself(app):
    from app.leave.models import LeaveRequest
    from app.leave.overview import items_for

    with app.app_context():
        request = db.session.scalar(select(LeaveRequest).limit(1))
        others = db.session.scalar(
            select(func.coalesce(func.sum(LeaveRequest.school_days), 0)).where(
                LeaveRequest.student_id == request.student_id,
                LeaveRequest.school_year_id == request.school_year_id,
                LeaveRequest.status == "approved",
                LeaveRequest.id != request.id,
            )
        )
        request.status = "approved"
        db.session.flush()
        assert items_for([request])[0].used_days == others
