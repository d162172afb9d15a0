"""Inserting many rows whose ids nobody reads back."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import AutoField


def insert_rows(objs: list) -> None:
    """``bulk_create`` for rows of one model whose ids are not needed afterwards (audit rows,
    a report's links): the same INSERT, without ``RETURNING``. On SQLite each returned row
    is a step of its own, and the thread gives up the GIL for each: in intake's writer,
    which stores dozens of rows a batch while request threads run, those steps added up to
    more than the inserts. No signals are sent, as with ``bulk_create``; ``objs`` keep no
    primary key."""
    if not objs:
        return
    model = type(objs[0])
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    fields = [f for f in model._meta.concrete_fields if not f.generated and not isinstance(f, AutoField)]
    db = router.db_for_write(model)
    size = max(connections[db].ops.bulk_batch_size(fields, objs), 1)
    query = model._base_manager.using(db)
    for start in range(0, len(objs), size):
        query._insert(objs[start : start + size], fields=fields, using=db)
