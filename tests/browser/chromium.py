"""The one Chromium the browser tests share (also used by tests/knowledge and tests/awareness).

It lives in a module of its own so every conftest that imports the fixtures sees the same
instance, whatever name pytest gave the conftest module itself.
"""

from __future__ import annotations

import os

from playwright.sync_api import Browser, sync_playwright

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM_BINARY = os.environ.get("HIMOYA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _Chromium:
    """One Chromium, started for the first browser test and stopped as soon as the tests that
    follow need none.

    While Playwright runs, its event loop makes the whole process look async to Django, so the
    async-safety check is off for exactly that time: other tests keep it, and a test that starts
    its own Playwright does not meet ours.
    """

    def __init__(self):
        self._playwright = None
        self._browser: Browser | None = None
        self._previous_env: str | None = None

    def get(self) -> Browser:
        if self._browser is None:
            self._previous_env = os.environ.get(ASYNC_UNSAFE)
            os.environ[ASYNC_UNSAFE] = "true"
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM_BINARY, args=CHROMIUM_ARGS)
        return self._browser

    def stop(self) -> None:
        if self._browser is None:
            return
        try:
            self._browser.close()
            self._playwright.stop()
        finally:
            self._browser = self._playwright = None
            if self._previous_env is None:
                os.environ.pop(ASYNC_UNSAFE, None)
            else:
                os.environ[ASYNC_UNSAFE] = self._previous_env


CHROMIUM = _Chromium()
