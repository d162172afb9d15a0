"""Fixtures for the knowledge base: the starter articles, a content editor, and browsers.

The browser fixtures (one headless Chromium, a fresh context per person) are those of
tests/browser, shared rather than copied.
"""

from __future__ import annotations

import pytest

from himoya.accounts import roles
from himoya.knowledge.loader import load_starter_articles
from tests.browser.conftest import browser, open_browser  # noqa: F401 - fixtures used by the browser tests
from tests.conftest import make_staff


@pytest.fixture(autouse=True)
def _no_triage(settings):
    """Reports filed here need no triage: its tasks are queued and never run."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def starter(reference):
    """``starter(languages=None, keys=None)``: load (part of) the shipped articles."""

    def _load(languages=None, keys=None):
        return load_starter_articles(languages, keys)

    return _load


@pytest.fixture
def editor(reference):
    """A content editor: writes and publishes."""
    return make_staff("elnara", roles.CONTENT_EDITOR)


@pytest.fixture
def contacts(settings):
    settings.CENTER_NAME = "Himoya Test Center"
    settings.CENTER_BOT_URL = "https://t.me/HimoyaTestBot"
    settings.CENTER_PHONE = "+998 71 000 00 00"
    settings.CENTER_EMAIL = "help@example.org"
    settings.SITE_URL = "https://himoya.example"
    return settings
