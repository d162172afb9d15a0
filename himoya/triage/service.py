"""One triage engine per process, rebuilt when staff change the lexicon phrases."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.cache import cache

from himoya.lib.counting import count
from himoya.triage.engine import Lexicon, TriageEngine
from himoya.triage.engine.lexicon import load_default_phrases

_VERSION_KEY = "triage:phrases-version"
_lock = threading.Lock()
_engine: TriageEngine | None = None
_engine_version: int | None = None


def phrases_changed() -> None:
    """Tell every process (through the shared cache) to rebuild its lexicon."""
    count(cache, _VERSION_KEY, None)


def _extra_phrases() -> list[dict]:
    from himoya.triage.models import LexiconPhrase

    return [
        {"phrase": p.phrase, "harm": p.harm_id, "weight": p.weight, "tag": p.tag, "language": p.language or None}
        for p in LexiconPhrase.objects.filter(active=True)
    ]


def get_engine() -> TriageEngine:
    """The process's engine: models load once; phrases reload after an admin change."""
    global _engine, _engine_version
    version = cache.get(_VERSION_KEY, 0)
    if _engine is not None and version == _engine_version:
        return _engine
    with _lock:
        if _engine is None:
            engine = TriageEngine.load(extra_phrases=_extra_phrases(), deadlines=settings.URGENCY_DEADLINE_MINUTES)
        else:
            # Keep the loaded models and language identifier; only the phrases changed.
            engine = TriageEngine(
                lexicon=Lexicon([*load_default_phrases(), *_extra_phrases()]),
                rules=_engine.rules,
                bundle=_engine.bundle,
                identifier=_engine.identifier,
                thresholds=_engine.thresholds,
                encoder=_engine.encoder,
            )
        _engine, _engine_version = engine, version
    return _engine
