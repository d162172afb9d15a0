"""Writing the audit trail."""

from __future__ import annotations

from django.db import transaction

from himoya.audit.models import Action, AuditEntry


def log(action: Action, *, actor=None, label: str = "", case=None, **detail) -> AuditEntry:
    """Record ``action``. Call inside the transaction of the change it records.

    ``detail`` holds ids, codes and choices only: never narrative or message text.
    ``actor`` is a staff user; otherwise ``label`` names who acted ("reporter", ...).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.log() must run inside the transaction of its change")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(action=action, actor=actor, actor_label=label, case=case, detail=detail)
