"""Browser tests: one headless Chromium for a run of them, a fresh context per person per test.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check
would refuse the ORM calls the tests make to set up and verify state; nothing here is async,
and the check is switched off while Chromium runs (see tests/browser/chromium.py).
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.awareness import conftest as served
from tests.browser.chromium import CHROMIUM, CHROMIUM_BINARY
from tests.browser.pages import PHONE, Person

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# The server of tests/awareness/conftest.py, with a fresh channel layer for every test.
served_asgi_server = served.asgi_server
shared_test_connection = served.shared_test_connection
fresh_channel_layer = served.fresh_channel_layer


@pytest.fixture
def browser(request) -> Iterator[Browser]:
    if not Path(CHROMIUM_BINARY).exists():
        pytest.skip(f"no Chromium at {CHROMIUM_BINARY}")
    yield CHROMIUM.get()
    items = request.session.items
    position = items.index(request.node) if request.node in items else len(items)
    following = items[position + 1] if position + 1 < len(items) else None
    if following is None or "browser" not in getattr(following, "fixturenames", ()):
        CHROMIUM.stop()


@pytest.fixture(autouse=True)
def _live_server_takes_turns(request):
    """pytest-django's ``live_server`` answers requests in threads that share the test's
    in-memory SQLite connection; a page loading two pictures at once would run two statements
    on it together. They take turns, as they do behind ``asgi_server``."""
    from django.db import connections

    conn = connections["default"]
    if "live_server" not in request.fixturenames or conn.vendor != "sqlite" or not conn.is_in_memory_db():
        yield
        return
    with served._one_transaction_at_a_time(), served._one_query_at_a_time():
        yield


@pytest.fixture
def asgi_server(browser, served_asgi_server) -> str:
    """The platform served by uvicorn in a thread, HTTP and WebSockets, as in production
    (pytest-django's ``live_server`` speaks WSGI only); its base URL. Pages that open a
    WebSocket (the queue, both sides of a conversation) need it.

    Chromium starts first, so the server's fixture finds Chromium's DJANGO_ALLOW_ASYNC_UNSAFE
    and puts it back when it ends, for the browser tests that follow.
    """
    return served_asgi_server


@pytest.fixture
def open_browser(browser, request):
    """``open_browser(name, device=PHONE, **context_options)``: a new context and page, closed after the test."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    shots_dir = SCREENSHOTS / slug
    shutil.rmtree(shots_dir, ignore_errors=True)
    shots_dir.mkdir(parents=True)
    people: list[Person] = []
    numbers = itertools.count(1)

    def _open(name: str, device: dict = PHONE, **options) -> Person:
        context = browser.new_context(**{**device, **options})
        context.set_default_timeout(20_000)
        page = context.new_page()
        person = Person(name=name, context=context, page=page, shots_dir=shots_dir, numbers=numbers)
        context.on("request", lambda req: person.requests.append(req.url))
        context.on(
            "response",
            lambda res: (
                res.request.resource_type != "document"
                and res.status >= 400
                and person.failed_resources.append(f"{res.status} {res.url}")
            ),
        )
        context.on("requestfailed", lambda req: person.failed_resources.append(f"{req.failure} {req.url}"))
        page.on(
            "console",
            lambda msg: msg.type == "error" and person.console_errors.append(f"{msg.text} at {msg.location['url']}"),
        )
        page.on("pageerror", lambda exc: person.console_errors.append(str(exc)))
        people.append(person)
        return person

    yield _open
    call = getattr(request.node, "rep_call", None)
    for person in people:
        if call is not None and call.failed and not person.page.is_closed():
            person.shot("at-failure")
            (shots_dir / f"{person.name}-at-failure.html").write_text(person.page.content())
        person.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
