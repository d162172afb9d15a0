"""Fixtures for the triage engine tests: plain Python, no database.

The engine is loaded once per session from the committed model files (about a second).
"""

from __future__ import annotations

import pytest

from himoya.triage.engine import TriageEngine


@pytest.fixture(scope="session")
def engine() -> TriageEngine:
    return TriageEngine.load()


@pytest.fixture(scope="session")
def lexicon_engine() -> TriageEngine:
    """Lexicons and rules only: results that do not depend on trained weights."""
    return TriageEngine.load(models=False)
