"""Model fields that keep their contents encrypted at rest.

The database holds only AES-GCM tokens (see ``himoya.lib.crypto``); values are decrypted
when a row is loaded by code running with the configured keys. The column's identity
(``app.Model.field``) is bound into each token, so tokens cannot be moved between columns.
Encrypted fields cannot be filtered or ordered on.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models


def keyring():
    return settings.ENCRYPTION_KEYRING


class _Encrypted(models.BinaryField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self._context = f"{cls._meta.label}.{name}"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return super().get_db_prep_value(self._seal(value), connection, prepared)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self._open(bytes(value))

    def to_python(self, value):
        return value


class EncryptedTextField(_Encrypted):
    """Text stored encrypted. Use ``None`` for "not given", never an empty token."""

    def _seal(self, value: str) -> bytes:
        return keyring().encrypt(str(value), self._context)

    def _open(self, token: bytes) -> str:
        return keyring().decrypt(token, self._context)


class EncryptedBinaryField(_Encrypted):
    """Bytes (an uploaded file) stored encrypted."""

    def _seal(self, value: bytes) -> bytes:
        return keyring().encrypt_bytes(bytes(value), self._context)

    def _open(self, token: bytes) -> bytes:
        return keyring().decrypt_bytes(token, self._context)


class EncryptedJSONField(_Encrypted):
    """A JSON value (say, a list of links) stored encrypted."""

    def _seal(self, value) -> bytes:
        return keyring().encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")), self._context)

    def _open(self, token: bytes):
        return json.loads(keyring().decrypt(token, self._context))
