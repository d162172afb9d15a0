"""The directory of partner organisations, and the referrals of cases to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from himoya.lib.fields import EncryptedTextField


class PartnerKind(models.TextChoices):
    POLICE_CYBER = "police_cyber", _("Police cyber unit")
    OMBUDSMAN = "ombudsman", _("Ombudsman")
    EDUCATION = "education", _("Education authority")
    CHILD_PROTECTION = "child_protection", _("Child-protection service")
    PLATFORM = "platform", _("Platform trust & safety")


class PartnerQuerySet(models.QuerySet):
    def serving(self, countries):
        """Active partners of ``countries``, and those that work across countries (platforms)."""
        return self.filter(Q(country__in=countries) | Q(country=""), active=True)


class PartnerOrganisation(models.Model):
    """An organisation the center refers cases to. Shipped as data, kept up to date in the admin."""

    # Stable key of a shipped entry: the loader adds missing entries by it and leaves edited ones alone.
    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("Two-letter code; empty for one that works everywhere.")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    url = models.URLField(_("web address"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["kind", "country", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})" if self.country else self.name


class Referral(models.Model):
    """A case passed to a partner: what was sent and when, and the partner's answer.

    Both texts are about a child's situation, so they are encrypted like narratives.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(PartnerOrganisation, on_delete=models.PROTECT, related_name="referrals")
    sent = EncryptedTextField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = EncryptedTextField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["sent_at", "id"]

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
