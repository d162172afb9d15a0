"""Hash lists ("banks"), the fingerprint of every uploaded picture, matches, and how each
member of staff prefers pictures to be shown."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.imports import ImportJob
from himoya.triage.engine.hashindex import MAX_RADIUS

# HMA's defaults: PDQ distance <= 31 and quality >= 50 count as a match.
DEFAULT_MAX_DISTANCE = 31
DEFAULT_MIN_QUALITY = 50


class HashBank(models.Model):
    """A list of PDQ hashes of known pictures, from one source, about one harm."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Where the list comes from, e.g. a hotline network.")
    )
    harm = models.ForeignKey(
        "reference.HarmCategory", verbose_name=_("harm"), on_delete=models.PROTECT, related_name="+"
    )
    never_show = models.BooleanField(
        _("never show a matching picture"),
        default=True,
        help_text=_("A matching picture is quarantined: stored encrypted and shown to no one, not even blurred."),
    )
    max_distance = models.PositiveSmallIntegerField(
        _("largest PDQ distance that matches"),
        default=DEFAULT_MAX_DISTANCE,
        validators=[MaxValueValidator(MAX_RADIUS)],
        help_text=_("Out of 256 bits; 31 is the usual setting."),
    )
    min_quality = models.PositiveSmallIntegerField(
        _("lowest picture quality that can match"),
        default=DEFAULT_MIN_QUALITY,
        validators=[MaxValueValidator(100)],
        help_text=_("0–100; plain or nearly blank pictures have low quality and hash alike. 50 is the usual setting."),
    )
    enabled = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hash list")
        verbose_name_plural = _("hash lists")
        permissions = [("bank_attachment", "Can add a case's picture to a hash list")]

    def __str__(self) -> str:
        return self.name


class BankedHash(models.Model):
    """One PDQ hash in a list. ``pdq`` is the 32 raw bytes (64 hex digits in files)."""

    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="hashes")
    pdq = models.BinaryField(max_length=32)
    label = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_from = models.ForeignKey(
        "reports.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="banked_as"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("listed hash")
        verbose_name_plural = _("listed hashes")
        constraints = [models.UniqueConstraint(fields=["bank", "pdq"], name="hashes_unique_per_bank")]

    def __str__(self) -> str:
        return bytes(self.pdq).hex()

    @property
    def pdq_hex(self) -> str:
        return bytes(self.pdq).hex()


class ImageHash(models.Model):
    """The fingerprint of an uploaded picture, taken at intake before anything else reads it.

    ``quarantined`` pictures are never rendered or served, to anyone.
    """

    attachment = models.OneToOneField(
        "reports.Attachment", primary_key=True, on_delete=models.CASCADE, related_name="image_hash"
    )
    pdq = models.BinaryField(max_length=32)
    quality = models.PositiveSmallIntegerField()
    md5 = models.CharField(max_length=32, db_index=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    frames = models.PositiveIntegerField(default=1)
    quarantined = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("picture fingerprint")
        verbose_name_plural = _("picture fingerprints")

    @property
    def pdq_hex(self) -> str:
        return bytes(self.pdq).hex()


class Match(models.Model):
    """A picture matched a list: kept for the statistics even if the list changes later."""

    attachment = models.ForeignKey("reports.Attachment", on_delete=models.CASCADE, related_name="hash_matches")
    bank = models.ForeignKey(HashBank, on_delete=models.PROTECT, related_name="matches")
    banked_hash = models.ForeignKey(BankedHash, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    distance = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hash match")
        verbose_name_plural = _("hash matches")


class BankImport(ImportJob):
    """One uploaded file, checked and applied in the background (all rows or none).

    ``errors`` holds ``{"line", "code", "params"}``, shown translated (see csvio.describe).
    """

    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="imports")
    rows = models.PositiveIntegerField(default=0)
    already_listed = models.PositiveIntegerField(default=0)
    not_positive = models.PositiveIntegerField(default=0)

    class Meta(ImportJob.Meta):
        verbose_name = _("hash list import")
        verbose_name_plural = _("hash list imports")


class ViewingPreference(models.Model):
    """How one member of staff wants case pictures shown at first. Absent row: the safe defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="viewing_preference"
    )
    blur = models.BooleanField(_("blur pictures until I open one"), default=True)
    greyscale = models.BooleanField(_("show pictures in greyscale"), default=True)

    class Meta:
        verbose_name = _("picture viewing preference")
        verbose_name_plural = _("picture viewing preferences")
