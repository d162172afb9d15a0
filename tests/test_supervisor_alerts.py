"""A P1 case nobody claims before its deadline alerts supervisors once: in the console, live,
and by e-mail when an e-mail server is configured."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from himoya.audit.models import Action, AuditEntry
from himoya.cases import alerts
from himoya.cases.actions import claim_case, close_case
from himoya.cases.models import Case
from tests.conftest import committed, make_staff

NARRATIVE = "He says he will post my pictures unless I pay."


@pytest.fixture
def make_case(file_report):
    def _make(urgency: str = "P1", minutes_left: float = -1, **report):
        case = file_report(narrative=NARRATIVE, **report).case
        Case.objects.filter(pk=case.pk).update(
            urgency=urgency, deadline=timezone.now() + timedelta(minutes=minutes_left)
        )
        case.refresh_from_db()
        return case

    return _make


@pytest.fixture
def supervisor_with_email(supervisor):
    supervisor.email = "samira@center.example"
    supervisor.save(update_fields=["email"])
    return supervisor


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise OSError("mail server unreachable")


@pytest.mark.django_db
def test_an_unclaimed_p1_case_past_its_deadline_alerts_once(make_case):
    case = make_case()
    assert alerts.raise_alerts() == [case.pk]
    assert alerts.raise_alerts() == []
    [entry] = AuditEntry.objects.filter(case=case, action=Action.CASE_ALERTED)
    assert (entry.actor, entry.actor_label, entry.detail) == (None, alerts.ALERT_LABEL, {"urgency": "P1"})


@pytest.mark.django_db
def test_a_case_released_after_its_alert_does_not_alert_again(make_case, operator):
    case = make_case()
    alerts.raise_alerts()
    claim_case(case, operator)
    Case.objects.filter(pk=case.pk).update(assignee=None)
    assert alerts.raise_alerts() == []


@pytest.mark.django_db
def test_cases_that_are_claimed_closed_not_yet_due_or_less_urgent_do_not_alert(make_case, operator):
    claimed = make_case()
    claim_case(claimed, operator)
    closed = make_case()
    close_case(closed, operator, "advice_given")
    make_case(minutes_left=5)
    make_case(urgency="P2", minutes_left=-60)
    assert alerts.raise_alerts() == []
    assert not AuditEntry.objects.filter(action=Action.CASE_ALERTED).exists()


@pytest.mark.django_db
def test_supervisors_are_emailed_when_a_mail_server_is_set(make_case, supervisor_with_email, operator, settings):
    operator.email = "olga@center.example"
    operator.save(update_fields=["email"])
    settings.EMAIL_HOST = "smtp.center.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    case = make_case(harm="sextortion")
    with committed():
        alerts.raise_alerts()
    [message] = mail.outbox
    assert message.to == ["samira@center.example"]
    assert message.subject == f"Urgent case {case.reference} has not been claimed"
    assert f"/en/staff/cases/{case.pk}/" in message.body
    assert NARRATIVE not in message.body and "pictures" not in message.body


@pytest.mark.django_db
def test_the_alert_address_setting_replaces_the_supervisors(make_case, supervisor_with_email, settings):
    settings.EMAIL_HOST = "smtp.center.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_EMAIL = ["duty@center.example", "head@center.example"]
    make_case()
    with committed():
        alerts.raise_alerts()
    assert mail.outbox[0].to == ["duty@center.example", "head@center.example"]


@pytest.mark.django_db
def test_without_a_mail_server_no_mail_is_sent(make_case, supervisor_with_email, settings):
    settings.EMAIL_HOST = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_case()
    with committed():
        assert len(alerts.raise_alerts()) == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_mail_server_that_is_down_does_not_lose_the_alert(make_case, supervisor_with_email, settings):
    settings.EMAIL_HOST = "smtp.center.example"
    settings.EMAIL_BACKEND = "tests.test_supervisor_alerts.FailingBackend"
    case = make_case()
    with committed():
        assert alerts.raise_alerts() == [case.pk]
    assert AuditEntry.objects.filter(case=case, action=Action.CASE_ALERTED).count() == 1


@pytest.mark.django_db
def test_supervisors_see_the_alert_in_the_console_operators_do_not(make_case, supervisor, operator, staff_client):
    case = make_case(harm="sextortion")
    waiting = make_case(minutes_left=10)
    supervisor_page = staff_client(supervisor).get("/en/staff/cases/").content.decode()
    strip = supervisor_page.split('id="alerts"')[1].split("</section>")[0]
    assert "Urgent cases nobody has claimed in time" in strip
    assert f">{case.reference}</a>" in strip and f">{waiting.reference}</a>" not in strip
    assert case.reference in staff_client(supervisor).get("/en/staff/cases/alerts/").content.decode()
    assert 'id="alerts"' in staff_client(supervisor).get("/en/staff/cases/shift/").content.decode()
    operator_page = staff_client(operator).get("/en/staff/cases/").content.decode()
    assert 'id="alerts"' not in operator_page
    assert "nobody has claimed" not in staff_client(operator).get("/en/staff/cases/alerts/").content.decode()


@pytest.mark.django_db
def test_the_alert_strip_leaves_out_restricted_cases_for_those_without_access(make_case, supervisor):
    from django.contrib.auth.models import Permission

    from himoya.cases.views.queue import alert_context

    case = make_case(harm="csam")
    lead = make_staff("shift-lead", "operator")
    lead.user_permissions.add(Permission.objects.get(codename="assign_case"))
    lead = type(lead).objects.get(pk=lead.pk)
    assert [c.pk for c in alert_context(supervisor)["alerts"]] == [case.pk]
    assert alert_context(lead) == {"show_alerts": True, "alerts": [], "more_alerts": False}


@pytest.mark.django_db
def test_the_command_checks_once(make_case):
    import io

    make_case()
    out = io.StringIO()
    call_command("watch_deadlines", "--once", stdout=out)
    assert out.getvalue().strip() == "alerted: 1"


def test_the_watch_keeps_going_after_a_failed_check(monkeypatch):
    stop = threading.Event()
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        stop.set()
        return []

    monkeypatch.setattr(alerts, "raise_alerts", check)
    monkeypatch.setattr(alerts, "close_old_connections", lambda: None)
    alerts.watch(stop, interval=0.001)
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_the_alert_reaches_open_consoles_over_the_socket(make_case, supervisor):
    from channels.layers import channel_layers

    from tests.test_live_queue import _connect, _cookie_for

    channel_layers.backends.clear()
    cookie = _cookie_for(supervisor)
    case = make_case()

    async def scenario():
        communicator = await _connect(cookie)
        connected, _ = await communicator.connect()
        assert connected

        def alert():
            with committed():
                return alerts.raise_alerts()

        assert await sync_to_async(alert)() == [case.pk]
        assert await communicator.receive_json_from(timeout=5) == {"case": case.pk, "alert": True}
        await communicator.disconnect()

    asyncio.run(scenario())
