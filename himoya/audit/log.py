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
    entry = audit_entry(action, actor=actor, label=label, case=case, **detail)
    entry.save(force_insert=True)
    return entry


def audit_entry(action: Action, *, actor=None, label: str = "", case=None, **detail) -> AuditEntry:
    """The unsaved row ``log`` would write, for writers that store many at once with
    ``bulk_create``, inside the transaction of their change."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry(action=action, actor=actor, actor_label=label, case=case, detail=detail)
