"""Fixtures shared by the hash-list tests (imported by those modules)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def inline_hash_index(settings):
    """Build the process's hash index in the test's own thread and transaction, and start
    each test without an index left by another (ids are reused after a rollback)."""
    from himoya.hashes import index

    settings.HASH_INDEX_BACKGROUND = False
    index.reset()
    yield
    index.reset()
