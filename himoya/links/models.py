"""Known-link lists, the links each report carries, and possible duplicates between cases.

See docs/links.md for why report links are stored as keyed hashes plus encrypted copies.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedTextField
from himoya.lib.imports import ImportJob
from himoya.triage.engine import links as engine_links


class MatchType(models.TextChoices):
    EXACT = engine_links.MATCH_EXACT, _("Exactly this link")
    PREFIX = engine_links.MATCH_PREFIX, _("This link and everything under it")
    DOMAIN = engine_links.MATCH_DOMAIN, _("This domain and its subdomains")


class KnownLink(models.Model):
    """One entry of a known-link list: a report whose link matches it gets the entry's harm.

    ``value`` is kept in the engine's normal form; ``key`` (its SHA-256) is what lookups use,
    so long links stay within any database's index limits.
    """

    value = models.CharField(_("link or domain"), max_length=engine_links.MAX_LINK_CHARS)
    key = models.CharField(max_length=64, editable=False)
    match_type = models.CharField(_("match"), max_length=6, choices=MatchType.choices, default=MatchType.EXACT)
    harm = models.ForeignKey(
        "reference.HarmCategory",
        verbose_name=_("harm"),
        on_delete=models.PROTECT,
        to_field="code",
        db_column="harm",
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=100, blank=True, help_text=_("Whose list this entry came from."))
    note = models.CharField(_("note"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("known link")
        verbose_name_plural = _("known links")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["match_type", "key"], name="unique_known_link")]

    def __str__(self) -> str:
        return self.value

    @staticmethod
    def key_for(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()


class ReportLink(models.Model):
    """A link one report carries (in its link field or its text), as found at intake.

    The lookup columns are keyed hashes (``himoya.links.keys``), so the database alone does
    not say which links children reported; the link itself is kept only encrypted. Rows
    follow their report (no case column), so a merge or split moves them with it.
    """

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="found_links")
    key = models.CharField(max_length=64, db_index=True)
    # The account or site section (t.me/name for t.me/name/5); empty when the link is not specific.
    anchor_key = models.CharField(max_length=64, blank=True, db_index=True)
    # The user name, on any platform or none.
    handle_key = models.CharField(max_length=64, blank=True, db_index=True)
    # The registrable domain of a site with one owner (not a platform or a well-known site).
    site_key = models.CharField(max_length=64, blank=True, db_index=True)
    original = EncryptedTextField()
    normalized = EncryptedTextField()
    kind = models.CharField(max_length=8)
    platform = models.CharField(max_length=20, blank=True)
    short = models.BooleanField(default=False)
    specific = models.BooleanField(default=False)
    lookalike_of = models.CharField(max_length=253, blank=True)
    mixed_script = models.BooleanField(default=False)

    class Meta:
        ordering = ["report", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="unique_report_link")]


class Similarity(models.TextChoices):
    SAME_LINK = "same_link", _("The same link (not joined automatically: urgent, restricted, or a second open case)")
    SAME_ACCOUNT = "same_account", _("A link to the same account, channel or page")
    SAME_HANDLE = "same_handle", _("The same user name")
    SAME_SITE = "same_site", _("A link to the same website")


class PossibleDuplicate(models.Model):
    """A new case that may be about the same thing as an open one: shown on both case pages
    for an operator to merge or leave. ``report`` is the report of ``case`` whose links matched."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="possible_duplicates")
    other = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Similarity.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "other"], name="unique_possible_duplicate")]


class LinkImport(ImportJob):
    """One uploaded list, checked and applied by the task worker while its page shows progress.

    Lines with errors are skipped (or, when ``strict``, nothing is written); the problems,
    ``{"line", "text"}``, are kept in the language of the page the file was sent from.
    """

    strict = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=10)
    updated = models.PositiveIntegerField(default=0)

    class Meta(ImportJob.Meta):
        verbose_name = _("known-link list import")
        verbose_name_plural = _("known-link list imports")
