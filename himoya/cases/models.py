from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedTextField
from himoya.reference.models import HarmCategory, Urgency
from himoya.reports.models import Channel

URGENCY_ORDER = [Urgency.P1, Urgency.P2, Urgency.P3, Urgency.P4]


def deadline_for(urgency: str, start=None):
    start = start or timezone.now()
    return start + timedelta(minutes=settings.URGENCY_DEADLINE_MINUTES[urgency])


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("In progress")
    CLOSED = "closed", _("Closed")


# How a case's status is put to the reporter, in plain words.
STATUS_FOR_REPORTER = {
    Status.NEW: _("We have your report. Someone from the center will read it soon."),
    Status.OPEN: _("Someone from the center is working on your report."),
    Status.CLOSED: _("Your case is closed. If you need more help, write to us here and we will open it again."),
}


class Outcome(models.TextChoices):
    ADVICE_GIVEN = "advice_given", _("Advice given")
    REFERRED = "referred", _("Referred to a partner")
    CONTENT_REMOVED = "content_removed", _("Content removed")
    NOT_ACTIONABLE = "not_actionable", _("Not actionable")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_RESPONSE = "no_response", _("Reporter did not respond")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Status.CLOSED)

    def visible_to(self, user):
        """Cases ``user`` may see: restricted harms only with ``cases.view_restricted``."""
        if user.has_perm("cases.view_restricted"):
            return self
        # A subquery, not a join: the queue's counts then read case_queue_order alone.
        return self.exclude(harm__in=HarmCategory.objects.filter(restricted=True))

    def in_queue_order(self):
        return self.order_by("urgency", "deadline", "id")


class Case(models.Model):
    """What operators work: one or more reports about the same harm, and the conversation."""

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    urgency = models.CharField(_("urgency"), max_length=2, choices=Urgency.choices, default=Urgency.P3)
    harm = models.ForeignKey(
        "reference.HarmCategory", verbose_name=_("harm"), on_delete=models.PROTECT, related_name="cases"
    )
    language = models.CharField(_("reporter's language"), max_length=8)
    # Copied from the report that opened the case, so the queue filters without joining reports.
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    region = models.ForeignKey(
        "reference.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Set when an operator corrects harm or urgency: triage stops moving the case.
    triage_overridden = models.BooleanField(default=False)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A case merged into another is closed as a duplicate and points to the case that holds its reports now.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_cases",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("work_case", "Can claim, answer and close cases"),
            ("assign_case", "Can assign cases to others"),
            ("view_restricted", "Can see cases of restricted harms"),
            ("view_statistics", "Can see statistics"),
        ]
        indexes = [
            models.Index(fields=["status", "urgency", "deadline"]),
            # The queue walks open cases in this order and stops after one page. The columns after
            # the order are every filter of the queue, so counting 100,000 open cases per urgency,
            # filtered or not, reads this index alone and never the table (himoya/cases/queue.py).
            models.Index(
                fields=["urgency", "deadline", "id", "status", "harm", "assignee", "language", "channel", "region"],
                condition=~models.Q(status="closed"),
                name="case_queue_order",
            ),
            # The same for "mine" and "unassigned", which start from the assignee.
            models.Index(
                fields=["assignee", "urgency", "deadline", "id", "status", "harm", "language", "channel", "region"],
                condition=~models.Q(status="closed"),
                name="case_queue_by_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The staff-facing case number. Not the reporter's secret code."""
        return f"#{self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.status != Status.CLOSED and self.deadline < timezone.now()


class Note(models.Model):
    """An operator's internal note on a case; never shown to the reporter."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
