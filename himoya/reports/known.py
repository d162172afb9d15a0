"""Harm categories and regions by code, held in memory for intake.

Every report names its harm and region by code; reading them from the database for each
report cost more than storing the report. They are reference data that change seldom (the
taxonomy loader, an administrator): each process keeps the whole small table and reads it
again after ``TTL_SECONDS``, or at once when a row is saved or deleted in this process or
the tables are flushed. A change made in another process is seen within ``TTL_SECONDS``.

The instances are shared between threads: read them, never change them.
"""

from __future__ import annotations

import threading
import time

from django.db.models.signals import post_delete, post_migrate, post_save

from himoya.reference.models import HarmCategory, Region

TTL_SECONDS = 30.0


class _Table:
    def __init__(self, model) -> None:
        self.model = model
        self._rows: dict[str, object] | None = None
        self._loaded = 0.0
        self._generation = 0
        self._lock = threading.Lock()

    def _all(self) -> dict:
        rows = self._rows
        if rows is None or time.monotonic() - self._loaded > TTL_SECONDS:
            generation = self._generation
            rows = {row.code: row for row in self.model.objects.all()}
            with self._lock:
                if generation == self._generation:  # not cleared while we read
                    self._rows, self._loaded = rows, time.monotonic()
        return rows

    def get(self, code: str):
        """The row with ``code``, active or not; None if there is none."""
        return self._all().get(code)

    def active(self, code: str):
        """The active row with ``code``; None if there is none."""
        row = self._all().get(code)
        return row if row is not None and row.active else None

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._rows = None


harms = _Table(HarmCategory)
regions = _Table(Region)


def clear() -> None:
    harms.clear()
    regions.clear()


def _changed(sender, **kwargs) -> None:
    clear()


for _model in (HarmCategory, Region):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"known-{_model.__name__}-saved")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"known-{_model.__name__}-deleted")
# ``flush`` (and so every transactional test) ends with post_migrate; reference rows come back
# with new ids.
post_migrate.connect(_changed, dispatch_uid="known-flushed")
