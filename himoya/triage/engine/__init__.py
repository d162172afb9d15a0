"""Himoya's Django-free triage engine.

    from himoya.triage.engine import TriageEngine, TriageInput

    engine = TriageEngine.load()                 # once per process (~1 s)
    result = engine.triage(TriageInput(text="...", harm=None, age_group="13_17"))
    result.to_dict()  # language, harms, flagged, urgency, deadline_minutes, reasons...

Nothing here imports Django, reads the network or logs report text. See docs/triage.md.
"""

from .core import Reason, TriageEngine, TriageInput, TriageResult
from .langid import LanguageGuess, LanguageIdentifier, get_identifier
from .lexicon import Lexicon, Phrase
from .links import KnownLinkMatch, Link, describe_link, extract_links, find_links, normalize_link
from .pii import PersonalData, find_personal_data, redact
from .taxonomy import AGE_GROUPS, DEFAULT_DEADLINES_MINUTES, HARM_CODES, LANGUAGES, URGENCIES
from .urgency import UrgencyRules

__all__ = [
    "AGE_GROUPS",
    "DEFAULT_DEADLINES_MINUTES",
    "HARM_CODES",
    "LANGUAGES",
    "URGENCIES",
    "LanguageGuess",
    "LanguageIdentifier",
    "KnownLinkMatch",
    "Lexicon",
    "Link",
    "PersonalData",
    "Phrase",
    "Reason",
    "TriageEngine",
    "TriageInput",
    "TriageResult",
    "UrgencyRules",
    "describe_link",
    "extract_links",
    "find_links",
    "find_personal_data",
    "get_identifier",
    "normalize_link",
    "redact",
]
