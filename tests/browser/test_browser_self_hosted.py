"""Public pages load nothing from anywhere but the platform itself: no CDN, fonts or trackers.

A child's visit must not be visible to a third party, and a center may run with no internet.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from himoya.accounts import roles
from tests.browser.pages import DESKTOP, tour_public_pages
from tests.conftest import make_staff

pytestmark = pytest.mark.browser


def test_public_pages_request_nothing_from_other_hosts(asgi_server, reference, open_browser):
    # Every language is served by the same templates and static files: one tour covers them.
    # The axe tour runs on a phone; this one on a desktop, so both layouts are seen. The
    # server is the ASGI one, so the conversation page's WebSocket is served as in production.
    operator = make_staff("olga", roles.OPERATOR)
    child = open_browser("child", DESKTOP)
    visited = list(tour_public_pages(child, asgi_server, "az", operator))
    assert len(visited) == 9

    ours = urlsplit(asgi_server).netloc
    elsewhere = [url for url in child.requests if urlsplit(url).netloc != ours and not url.startswith("data:")]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    assert any(urlsplit(url).path.endswith("/site.css") for url in child.requests)
    assert not child.failed_resources, child.failed_resources
    # Load failures are checked above (error pages are 400 or 404 on purpose, /favicon.ico is
    # asked for by the browser itself); any other console error is a script or CSP failure.
    errors = [text for text in child.console_errors if not text.startswith("Failed to load resource")]
    assert not errors, errors
