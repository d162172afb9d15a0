"""Re-encrypting stored values with the current key (see himoya.lib.crypto)."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from himoya.lib.fields import _Encrypted

BATCH = 500


def encrypted_fields() -> Iterator[tuple[type, list[str]]]:
    for model in apps.get_models():
        names = [f.name for f in model._meta.get_fields() if isinstance(f, _Encrypted)]
        if names:
            yield model, names


def reencrypt_all() -> Iterator[tuple[str, int]]:
    """Rewrite every value not made with the primary key; yields (model label, rows changed)."""
    keyring = settings.ENCRYPTION_KEYRING
    for model, names in encrypted_fields():
        changed = 0
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {columns} FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                    [last, BATCH],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            stale = [row[0] for row in rows if any(v is not None and not keyring.is_current(bytes(v)) for v in row[1:])]
            with transaction.atomic():
                for obj in model.objects.filter(pk__in=stale):
                    # Loading decrypts with any key; saving encrypts with the first.
                    obj.save(update_fields=names)
                    changed += 1
        yield model._meta.label, changed
