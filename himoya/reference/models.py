"""Reference data kept as rows, loaded from ``data/*.json``: harms and regions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    P1 = "P1", _("P1 — immediate danger")
    P2 = "P2", _("P2 — urgent")
    P3 = "P3", _("P3 — serious")
    P4 = "P4", _("P4 — routine")


def _in_language(names: dict, language: str | None = None) -> str:
    language = (language or get_language() or "en").split("-")[0]
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


class HarmCategory(models.Model):
    """One entry of the harm taxonomy. ``code`` is stable: exports and models use it."""

    code = models.SlugField(max_length=40, unique=True)
    sort = models.PositiveSmallIntegerField(default=0)
    names = models.JSONField(help_text="Name by language code.")
    child_wording = models.JSONField(help_text="How a child would say it, by language code.")
    default_urgency = models.CharField(max_length=2, choices=Urgency.choices)
    restricted = models.BooleanField(
        default=False, help_text="Cases of this harm are shown only to staff granted restricted access."
    )
    chi_category = models.CharField("Child Helpline International category", max_length=120)
    ncmec_incident_type = models.CharField("NCMEC CyberTipline incident type", max_length=120, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("harm category")
        verbose_name_plural = _("harm categories")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return _in_language(self.names, language)

    def in_child_words(self, language: str | None = None) -> str:
        return _in_language(self.child_wording, language)


class Region(models.Model):
    code = models.CharField(max_length=10, unique=True)
    country = models.CharField(max_length=2)
    names = models.JSONField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return _in_language(self.names, language)
