"""Case codes: the reporter's key back to their case.

A code is 16 characters from an alphabet with no look-alikes (no 0/O, 1/I/L), shown in
four groups of four so it can be read aloud: ``K7MZ-9QXD-PR4H-WT2C``. That is 16·log2(31)
≈ 79 bits from ``secrets``, far past guessing, so storing only its SHA-256 is safe.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 16
GROUP = 4


def new_code() -> str:
    # One draw from the operating system, spelt in base 31, rather than one per character.
    number = secrets.randbelow(len(ALPHABET) ** LENGTH)
    raw = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        raw.append(ALPHABET[digit])
    return format_code("".join(raw))


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(text: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one of ours."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return format_code(compact)


def digest(code: str) -> str:
    """What is stored for a (normalised) code."""
    return hashlib.sha256(code.encode()).hexdigest()
