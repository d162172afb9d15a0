"""Stable codes shared by the engine, the CLI and the platform.

These strings are part of the public contract (they are stored in the database and
exported): never rename one; add new codes at the end.
"""

from __future__ import annotations

HARM_CODES: tuple[str, ...] = (
    "cyberbullying",
    "cyberstalking",
    "grooming",
    "sextortion",
    "csam",
    "ncii",
    "self_harm",
    "violent_extremism",
    "dangerous_challenge",
    "scam",
    "hate_speech",
    "misinformation",
    "privacy",
    "inappropriate_content",
    "other",
)

AGE_GROUPS: tuple[str, ...] = ("under_8", "8_12", "13_17", "adult", "unknown")

# Languages the engine is built and benchmarked for. Other ISO 639-1 codes may still be
# returned by language identification; "und" means "could not tell" (empty, emoji only).
LANGUAGES: tuple[str, ...] = ("en", "ru", "az", "uz", "tr")
UNDETERMINED = "und"

URGENCIES: tuple[str, ...] = ("P1", "P2", "P3", "P4")

# Minutes an operator has to act, per urgency; the platform may override them.
DEFAULT_DEADLINES_MINUTES: dict[str, int] = {"P1": 15, "P2": 120, "P3": 1440, "P4": 4320}


def check_harm(code: str) -> str:
    """Return ``code`` if it is a taxonomy code, else raise ``ValueError``."""
    if code not in HARM_CODES:
        raise ValueError(f"unknown harm code {code!r}")
    return code
