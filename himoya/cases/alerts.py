"""Alerting supervisors when nobody claims a top-urgency case in time.

A child can write at any hour. If a P1 case passes its deadline with no one holding it,
supervisors are told once: in every open console (over the queue WebSocket) and, when an
e-mail server is configured, by e-mail. Each alert is an ``Action.CASE_ALERTED`` audit row;
that row is what makes a case alert only once, however many watchers run.

``watch()`` runs the check every ``HIMOYA_ALERT_CHECK_SECONDS``: in a thread of
``manage.py start``, or as ``manage.py watch_deadlines`` beside the workers when scaled out.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import close_old_connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from himoya.audit.log import log
from himoya.audit.models import Action, AuditEntry
from himoya.cases import live
from himoya.cases.models import Case, Status
from himoya.reference.models import Urgency

logger = logging.getLogger(__name__)

ALERT_LABEL = "deadline watch"
# Cases handled per run; the next run takes the rest.
BATCH = 100


def unclaimed_overdue(user=None, now=None) -> QuerySet[Case]:
    """Open P1 cases past their deadline that nobody holds: what an alert is about.

    With ``user``, only those the user may see. Walks the queue index, so it stays cheap.
    """
    now = now or timezone.now()
    cases = Case.objects.visible_to(user) if user is not None else Case.objects.all()
    return cases.open().filter(urgency=Urgency.P1, assignee__isnull=True, deadline__lt=now).in_queue_order()


def raise_alerts(now=None) -> list[int]:
    """Alert on every case that is due and has not alerted before; returns their ids."""
    alerted = []
    earlier = AuditEntry.objects.filter(case=OuterRef("pk"), action=Action.CASE_ALERTED)
    candidates = unclaimed_overdue(now=now).exclude(Exists(earlier))
    for case_id in candidates.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            # The row lock (PostgreSQL) or the write transaction (SQLite) lets one watcher through.
            case = (
                Case.objects.select_for_update()
                .filter(pk=case_id, assignee__isnull=True)
                .exclude(status=Status.CLOSED)
                .select_related("harm")
                .first()
            )
            if case is None or AuditEntry.objects.filter(case=case, action=Action.CASE_ALERTED).exists():
                continue
            log(Action.CASE_ALERTED, label=ALERT_LABEL, case=case, urgency=case.urgency)
            transaction.on_commit(partial(_tell_supervisors, case))
        alerted.append(case_id)
    return alerted


def _tell_supervisors(case: Case) -> None:
    live.announce_alert(case.pk)
    if not settings.EMAIL_HOST:
        return
    recipients = alert_recipients()
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Urgent case %(case)s has not been claimed") % {"case": case.reference}
        body = _(
            "Case %(case)s (%(urgency)s, %(harm)s) passed its deadline and nobody has claimed it.\n\nOpen it: %(url)s"
        ) % {
            "case": case.reference,
            "urgency": case.urgency,
            "harm": case.harm.name(),
            "url": f"{settings.SITE_URL}/{settings.LANGUAGE_CODE}/staff/cases/{case.pk}/",
        }
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # noqa: BLE001 - a mail server that is down must not stop the console alerts
        logger.exception("alert e-mail not sent", extra={"case": case.pk})


def alert_recipients() -> list[str]:
    """``HIMOYA_ALERT_EMAIL`` if set; otherwise every active supervisor with an e-mail address."""
    if settings.ALERT_EMAIL:
        return list(settings.ALERT_EMAIL)
    assign = Permission.objects.filter(content_type__app_label="cases", codename="assign_case")
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.filter(Q(groups__permissions__in=assign) | Q(user_permissions__in=assign) | Q(is_superuser=True))
    return sorted(set(users.values_list("email", flat=True)))


def watch(stop: threading.Event | None = None, interval: float | None = None) -> None:
    """Check for due alerts every ``interval`` seconds until ``stop`` is set."""
    stop = stop or threading.Event()
    interval = interval or settings.ALERT_CHECK_SECONDS
    while not stop.wait(interval):
        close_old_connections()
        try:
            raise_alerts()
        except Exception:  # noqa: BLE001 - one failed check (database restarting) must not end the watch
            logger.exception("deadline check failed")
