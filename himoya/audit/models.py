from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """Every kind of event the audit log records."""

    REPORT_SUBMITTED = "report.submitted", _("Report submitted")
    REPORT_VIEWED = "report.viewed", _("Report viewed")
    CASE_VIEWED = "case.viewed", _("Case viewed")
    QUEUE_VIEWED = "queue.viewed", _("Case list viewed")
    CASE_CLAIMED = "case.claimed", _("Case claimed")
    CASE_RELEASED = "case.released", _("Case released")
    CASE_ASSIGNED = "case.assigned", _("Case assigned")
    CASE_CLOSED = "case.closed", _("Case closed")
    CASE_OUTCOME_CHANGED = "case.outcome_changed", _("Outcome changed")
    CASE_REOPENED = "case.reopened", _("Case reopened")
    CASE_STATUS_VIEWED = "case.status_viewed", _("Status seen by the reporter")
    NOTE_ADDED = "note.added", _("Note added")
    TRIAGE_CORRECTED = "triage.corrected", _("Harm or urgency corrected")
    MESSAGE_RECEIVED = "message.received", _("Message from the reporter")
    MESSAGE_SENT = "message.sent", _("Reply sent")
    REPORTER_DATA_ERASED = "reporter.data_erased", _("Reporter deleted their contact data")
    ATTACHMENT_VIEWED = "attachment.viewed", _("Attachment viewed")
    ATTACHMENT_QUARANTINED = "attachment.quarantined", _("Picture quarantined: it matched a hash list")
    ATTACHMENT_BANKED = "attachment.banked", _("Picture added to a hash list")
    CASE_MERGED = "case.merged", _("Cases merged")
    REPORT_SPLIT = "report.split", _("Report split into a new case")
    REPORT_FOLDED = "report.folded", _("Report joined an open case with the same link")
    CASE_REFERRED = "case.referred", _("Case referred to a partner")
    REFERRAL_ANSWERED = "referral.answered", _("Partner's answer recorded")
    TAKEDOWN_GENERATED = "takedown.generated", _("Takedown notice generated")
    CASE_ALERTED = "case.alerted", _("Supervisors alerted: urgent case not claimed in time")
    CANNED_REPLY_CHANGED = "canned_reply.changed", _("Canned reply changed")
    SHIFT_STARTED = "shift.started", _("Shift started")
    SHIFT_ENDED = "shift.ended", _("Shift ended")
    HASH_BANK_CHANGED = "hash_bank.changed", _("Hash list changed")
    HASH_BANK_IMPORTED = "hash_bank.imported", _("Hash list imported")
    HASH_BANK_EXPORTED = "hash_bank.exported", _("Hash list exported")
    LINK_LIST_CHANGED = "link_list.changed", _("Known-link list changed")
    LINK_LIST_IMPORTED = "link_list.imported", _("Known-link list imported")
    LINK_LIST_EXPORTED = "link_list.exported", _("Known-link list exported")
    STAFF_SIGNED_IN = "staff.signed_in", _("Staff signed in")
    STAFF_ENROLLED = "staff.enrolled", _("Two-factor device enrolled")
    STAFF_SETUP_ISSUED = "staff.setup_issued", _("Set-up link issued")
    PARTNER_TOKEN_ISSUED = "partner.token_issued", _("Partner token issued")
    PARTNER_TOKEN_REVOKED = "partner.token_revoked", _("Partner token revoked")
    ARTICLE_CREATED = "article.created", _("Article created")
    ARTICLE_UPDATED = "article.updated", _("Article changed")
    ARTICLE_PROPOSED = "article.proposed", _("Article change proposed")
    ARTICLE_PUBLISHED = "article.published", _("Article published")
    ARTICLE_UNPUBLISHED = "article.unpublished", _("Article unpublished")
    ARTICLE_DECLINED = "article.declined", _("Proposed article change declined")
    ARTICLE_RESTORED = "article.restored", _("Article version restored")
    AWARENESS_SESSION_CREATED = "awareness.session_created", _("Awareness session created")
    AWARENESS_SESSION_CHANGED = "awareness.session_changed", _("Awareness session changed")
    AWARENESS_SESSION_DELETED = "awareness.session_deleted", _("Awareness session deleted")
    AWARENESS_SESSION_STARTED = "awareness.session_started", _("Awareness session started")
    AWARENESS_SESSION_ENDED = "awareness.session_ended", _("Awareness session ended")
    AWARENESS_SESSION_PURGED = "awareness.session_purged", _("Awareness session data deleted")
    AWARENESS_ACTIVITY_SHOWN = "awareness.activity_shown", _("Activity shown")
    AWARENESS_ACTIVITY_CLOSED = "awareness.activity_closed", _("Activity closed")
    AWARENESS_QUESTION_MODERATED = "awareness.question_moderated", _("Question moderated")
    AWARENESS_RESULTS_EXPORTED = "awareness.results_exported", _("Results exported")


class AuditEntry(models.Model):
    """One read or change of case data, or one security event. Never holds report text."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted when it was not a staff member: "reporter", "partner:<name>", "system".
    actor_label = models.CharField(max_length=80, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def who(self) -> str:
        return self.actor.get_username() if self.actor else self.actor_label
