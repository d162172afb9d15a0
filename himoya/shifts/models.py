"""Who is on duty: an operator starts a shift from the console and ends it when leaving.

Supervisors read this to see who can take work now, and who still holds cases after going home.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShiftQuerySet(models.QuerySet):
    def on_duty(self):
        return self.filter(ended_at__isnull=True)


class Shift(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="shifts"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-started_at", "-id"]
        constraints = [
            # At most one open shift per person: a double click cannot put someone on duty twice.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(ended_at__isnull=True), name="one_open_shift_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"
