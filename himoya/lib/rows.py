"""Writing many rows of one model in a few statements: intake's writer inserts, triage updates."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import AutoField


def _destination(objs: list):
    """The model options of ``objs`` (all of one model), and the database they are written to."""
    model = type(objs[0])
    db = router.db_for_write(model)
    return model._meta, db, connections[db]


def insert_rows(objs: list, *, returning: bool = False) -> None:
    """``bulk_create`` for new rows of one model, at less cost per value.

    The same multi-row ``INSERT``, with each value prepared by its field as ``save()``
    prepares it (``pre_save``, ``get_db_prep_save``: encryption included), but without the
    query compiler, which costs more than the values themselves: intake's writer stores a
    few hundred rows a batch while request threads wait for the same interpreter.

    ``returning``: read back the ids (``RETURNING``) and set them on ``objs``, for rows that
    others point to (cases, reports). Without it, no row comes back: on SQLite each returned
    row is a step of its own, and the thread gives up the GIL for each; audit rows and a
    report's links are never read back. No signals are sent, as with ``bulk_create``.
    Field values must be plain values, not expressions.
    """
    if not objs:
        return
    meta, db, connection = _destination(objs)
    fields = [f for f in meta.concrete_fields if not f.generated and not isinstance(f, AutoField)]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    quote = connection.ops.quote_name
    # Names from the model, quoted; every value is a parameter.
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    size = max(connection.ops.bulk_batch_size(fields, objs), 1)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in chunk for f in fields]
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)
            if returning:
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    setattr(obj, meta.pk.attname, pk)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db


def update_rows(objs: list, fields: list[str]) -> None:
    """``bulk_update`` at less cost: one ``UPDATE ... FROM`` a list of values per chunk.

    Django's ``bulk_update`` builds a ``CASE WHEN`` expression per row and field, which for a
    batch of triaged cases costs more than saving each. Here each value is prepared by its
    field as ``save()`` prepares it (``pre_save``: an ``auto_now`` field takes the time now),
    and the rows are matched on their primary key. Rows that are not in the table are
    skipped, as with ``bulk_update``. No signals are sent.
    """
    if not objs:
        return
    meta, _db, connection = _destination(objs)
    pk = meta.pk
    targets = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    columns = [pk, *targets]
    names = [f"c{i}" for i in range(len(columns))]
    if connection.vendor == "postgresql":
        # A list of values has no column types of its own: each is cast to its column's.
        value = [f"CAST(v.{name} AS {f.cast_db_type(connection)})" for name, f in zip(names, columns, strict=True)]
    else:
        value = [f"v.{name}" for name in names]
    table = quote(meta.db_table)
    sets = ", ".join(f"{quote(f.column)} = {v}" for f, v in zip(targets, value[1:], strict=True))
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(connection.ops.bulk_batch_size(columns, objs), 1)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = []
            for obj in chunk:
                params.append(pk.get_db_prep_value(obj.pk, connection))
                params += [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in targets]
            # Names from the model, quoted; every value is a parameter.
            cursor.execute(
                f"WITH v({', '.join(names)}) AS (VALUES {', '.join([row] * len(chunk))}) "  # noqa: S608
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{quote(pk.column)} = {value[0]}",
                params,
            )
