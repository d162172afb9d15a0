"""Authenticated encryption of small values (narratives, messages, contact details).

AES-256-GCM from ``cryptography``. A keyring holds one or more keys: the first encrypts,
every key decrypts, so keys can be rotated by putting a new key first and re-encrypting at
leisure (``manage.py rotate_encryption``). Each token names the key that made it.

Token layout: ``b"\\x01" | key id (4 bytes) | nonce (12 bytes) | ciphertext+tag``.
The caller's ``context`` (for example ``"reports.Report.narrative"``) is bound in as
associated data, so a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1
_HEADER = 1 + 4 + 12


class KeyError_(ValueError):
    """A key in the configuration cannot be used."""


class DecryptionError(ValueError):
    """A token was not made by any key in the ring, or was altered."""


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"himoya-key-id" + key).digest()[:4]


def parse_key(text: str) -> bytes:
    """A key is 32 random bytes written in URL-safe base64."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError):
        raise KeyError_("an encryption key is not valid base64") from None
    if len(key) != 32:
        raise KeyError_(f"an encryption key must be 32 bytes, this one is {len(key)}")
    return key


class Keyring:
    """Keys in order of preference: the first encrypts, all decrypt."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise KeyError_("no encryption key given")
        ids = [_key_id(key) for key in keys]
        if len(set(ids)) != len(ids):
            raise KeyError_("the same encryption key is listed twice")
        self._by_id = {kid: AESGCM(key) for kid, key in zip(ids, keys, strict=True)}
        self._primary_id = ids[0]

    @classmethod
    def from_text(cls, text: str) -> Keyring:
        """Keys separated by commas or new lines."""
        return cls([parse_key(part) for part in text.replace("\n", ",").split(",") if part.strip()])

    def encrypt_bytes(self, data: bytes, context: str) -> bytes:
        nonce = os.urandom(12)
        sealed = self._by_id[self._primary_id].encrypt(nonce, data, context.encode())
        return bytes([VERSION]) + self._primary_id + nonce + sealed

    def decrypt_bytes(self, token: bytes, context: str) -> bytes:
        token = bytes(token)
        if len(token) < _HEADER + 16 or token[0] != VERSION:
            raise DecryptionError("not an encrypted value")
        aead = self._by_id.get(token[1:5])
        if aead is None:
            raise DecryptionError("encrypted with a key that is not configured")
        try:
            return aead.decrypt(token[5:_HEADER], token[_HEADER:], context.encode())
        except InvalidTag:
            raise DecryptionError("the value was altered or belongs elsewhere") from None

    def encrypt(self, plaintext: str, context: str) -> bytes:
        return self.encrypt_bytes(plaintext.encode(), context)

    def decrypt(self, token: bytes, context: str) -> str:
        return self.decrypt_bytes(token, context).decode()

    def is_current(self, token: bytes) -> bool:
        """Whether ``token`` was made with the first (encrypting) key."""
        return bytes(token[1:5]) == self._primary_id
