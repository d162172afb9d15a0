"""In Chromium, against a real ASGI server (HTTP + WebSocket): a trainer presents, three
pupils answer from phones, the projector counts live; a question is asked, moderated,
up-voted and answered. axe-core checks the pupils' pages."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from himoya.awareness.models import Question, QuestionStatus, Vote
from tests.awareness.conftest import POLL, QA
from tests.browser.pages import DESKTOP, PHONE, Person
from tests.conftest import verified_client

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("HIMOYA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Axe()
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def people(chromium, request):
    """``people(name, device, cookies=None)``: a context and page per person; screenshots kept."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    shots = SCREENSHOTS / slug
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    numbers = itertools.count(1)
    opened: list[Person] = []

    def _open(name: str, device: dict, cookies: list[dict] | None = None) -> Person:
        context = chromium.new_context(**device)
        context.set_default_timeout(10_000)
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        person = Person(name=name, context=context, page=page, shots_dir=shots, numbers=numbers)
        page.on(
            "console",
            # The site has no favicon (not this feature's business); anything else counts.
            lambda msg: (
                msg.type == "error"
                and not msg.location["url"].endswith("/favicon.ico")
                and person.console_errors.append(f"{msg.text} at {msg.location['url']}")
            ),
        )
        page.on("pageerror", lambda exc: person.console_errors.append(str(exc)))
        opened.append(person)
        return person

    yield _open
    for person in opened:
        person.context.close()


def staff_cookie(user, base_url: str) -> list[dict]:
    key = verified_client(user).session.session_key
    return [{"name": settings.SESSION_COOKIE_NAME, "value": key, "url": base_url}]


def serious_violations(page) -> list[str]:
    violations = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


def join(person: Person, base_url: str, code: str, nickname: str) -> list[str]:
    """Join with the typed code as a pupil would; returns axe findings on the way."""
    page = person.page
    person.goto(f"{base_url}/en/join/", "join")
    findings = serious_violations(page)
    page.get_by_label("Session code").fill(f"{code[:4]} {code[4:]}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/en/join/{code}/")
    findings += serious_violations(page)
    page.get_by_label("Nickname (optional)").fill(nickname)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(f"**/en/s/{code}/")
    # Live once the socket is up.
    expect(page.locator("body")).to_have_attribute("data-live", "on")
    return findings


def test_pupils_vote_from_phones_and_the_projector_counts_live(asgi_server, make_session, trainer, people):
    session = make_session(POLL, QA)
    presenter = people("presenter", DESKTOP, staff_cookie(trainer, asgi_server))
    presenter.goto(f"{asgi_server}/en/staff/awareness/{session.pk}/present/", "present-before")
    projector = people("projector", {"viewport": {"width": 1600, "height": 900}, "device_scale_factor": 1})
    projector.goto(f"{asgi_server}/en/screen/{session.projector_key}/", "projector-waiting")
    expect(projector.page.locator("#join-code")).to_have_text(session.spaced_code)

    pupils = [people(f"pupil{n}", PHONE) for n in (1, 2, 3)]
    findings = []
    for n, pupil in enumerate(pupils, start=1):
        findings += join(pupil, asgi_server, session.join_code, f"Fox {n}")
    expect(projector.page.locator("[data-people]")).to_have_text("3")

    presenter.page.get_by_role("button", name="Show the first activity").click()
    expect(projector.page.locator("#prompt")).to_have_text(POLL.prompt)
    projector.shot("projector-poll-open")

    for pupil, option in zip(pupils, ("TikTok", "YouTube", "TikTok"), strict=True):
        page = pupil.page
        expect(page.locator("legend")).to_have_text(POLL.prompt)  # pushed, no reload
        pupil.shot("poll")
        findings += serious_violations(page)
        page.get_by_label(option).check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.locator("#activity .thanks")).to_have_text("Thank you! Your answer is counted.")
        pupil.shot("answered")
        findings += serious_violations(page)

    counts = projector.page.locator("#counts-table td")
    expect(counts).to_have_text(["0", "2", "1"])
    expect(projector.page.locator("[data-total]")).to_have_text("3")
    assert projector.page.evaluate("Chart.getChart('chart').data.datasets[0].data") == [0, 2, 1]
    projector.shot("projector-counts")
    assert Vote.objects.filter(activity__session=session).count() == 3

    # The presenter closes the poll: every phone shows the results, without reloading.
    presenter.page.get_by_role("button", name="Close answers and show results").click()
    expect(pupils[0].page.locator(".results-list li")).to_have_count(3)
    pupils[0].shot("results")
    presenter.shot("present-closed")
    for person in [presenter, projector, *pupils]:
        assert not person.console_errors, (person.name, person.console_errors)
    assert not findings, findings


def test_a_question_is_asked_moderated_upvoted_and_answered(asgi_server, make_session, trainer, people):
    session = make_session(QA, POLL)
    presenter = people("presenter", DESKTOP, staff_cookie(trainer, asgi_server))
    presenter.goto(f"{asgi_server}/en/staff/awareness/{session.pk}/present/", "present")
    presenter.page.get_by_role("button", name="Show the first activity").click()
    projector = people("projector", {"viewport": {"width": 1600, "height": 900}, "device_scale_factor": 1})
    projector.goto(f"{asgi_server}/en/screen/{session.projector_key}/", "projector-qa")
    asker, voter = people("asker", PHONE), people("voter", PHONE)
    findings = join(asker, asgi_server, session.join_code, "")
    findings += join(voter, asgi_server, session.join_code, "Owl")

    asker.page.get_by_role("textbox", name="Your question").fill("How do I report a fake account?")
    asker.page.get_by_role("button", name="Send my question").click()
    expect(asker.page.locator("#status")).to_contain_text("will be shown once the presenter has read it")
    asker.shot("asked")

    # It reaches the presenter's moderation list live, and only the presenter.
    waiting = presenter.page.locator("#moderation li", has_text="How do I report a fake account?")
    expect(waiting).to_be_visible()
    expect(voter.page.locator("#question-list")).not_to_contain_text("fake account")
    presenter.shot("moderation")
    waiting.get_by_role("button", name="Show").click()

    shown = voter.page.locator("#question-list li", has_text="How do I report a fake account?")
    expect(shown).to_be_visible()
    expect(projector.page.locator("#screen-questions")).to_contain_text("How do I report a fake account?")
    findings += serious_violations(voter.page)
    shown.get_by_role("button", name=re.compile("Up-vote")).click()
    expect(shown.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(projector.page.locator("#screen-questions .votes")).to_have_text("▲ 1")
    voter.shot("upvoted")

    presenter.page.locator("#moderation li", has_text="fake account").get_by_role(
        "button", name="Mark answered"
    ).click()
    expect(projector.page.locator("#screen-questions li.answered")).to_have_count(1)
    expect(voter.page.locator("#question-list li.answered")).to_have_count(1)
    projector.shot("answered")
    presenter.shot("answered")
    question = Question.objects.get()
    assert (question.status, question.upvotes, question.answered) == (QuestionStatus.APPROVED, 1, True)
    for person in [presenter, projector, asker, voter]:
        assert not person.console_errors, (person.name, person.console_errors)
    assert not findings, findings
