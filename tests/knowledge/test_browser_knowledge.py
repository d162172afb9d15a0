"""In Chromium: a child browses and searches advice on a phone, is offered advice after a
report, and an operator inserts an article link into a reply with the keyboard alone.

Every page visited is checked with axe-core (WCAG 2.2 AA with the target-size rule on):
any violation fails.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from himoya.knowledge.models import Article
from himoya.reference.models import HarmCategory
from tests.browser.pages import DESKTOP, PHONE, file_report, sign_in_as_staff, t
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "rules": {"target-size": {"enabled": True}},
}


def assert_accessible(person, where: str) -> None:
    violations = AXE.run(person.page, options=AXE_OPTIONS).response["violations"]
    assert not violations, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )
    assert person.fits_width(), f"{where} is wider than the screen"
    # The site has no favicon yet; anything else that fails to load is a fault of the page.
    assert not [e for e in person.console_errors if "favicon.ico" not in e]
    assert not person.failed_resources


@pytest.fixture
def articles(starter):
    starter(["az", "ru", "en"], ["sextortion-child", "sextortion-parent", "cyberbullying-child", "scam-child"])


def test_a_child_browses_advice_by_audience_and_harm_on_a_phone(live_server, articles, open_browser):
    child = open_browser("child", PHONE)
    child.goto(f"{live_server.url}/az/", "home")
    child.page.get_by_role("link", name=t("az", "Advice"), exact=True).click()
    child.page.wait_for_url("**/az/advice/")
    assert_accessible(child, "advice index")

    child.page.get_by_role("link", name=t("az", "Teens 13–17"), exact=True).click()
    child.page.wait_for_url("**/az/advice/?audience=teen")
    harm = HarmCategory.objects.get(code="sextortion").name("az")
    child.page.get_by_role("link", name=harm, exact=True).click()
    child.page.wait_for_url("**harm=sextortion**")
    child.shot("filtered")
    assert_accessible(child, "filtered index")
    titles = child.page.locator(".article-list a").all_inner_texts()
    assert titles == ["Kimsə şəkillərini yaymaqla hədələyir"]

    child.page.get_by_role("link", name="Kimsə şəkillərini yaymaqla hədələyir").click()
    child.page.wait_for_url("**/az/advice/sextortion-child/")
    child.shot("article")
    assert child.page.get_by_role("heading", level=1).inner_text() == "Kimsə şəkillərini yaymaqla hədələyir"
    assert child.page.locator("article.advice").get_attribute("lang") == "az"
    assert_accessible(child, "article")


def test_a_child_searches_in_russian_and_opens_the_result(live_server, articles, open_browser):
    child = open_browser("child", PHONE)
    child.goto(f"{live_server.url}/ru/advice/", "advice")
    box = child.page.get_by_role("searchbox", name=t("ru", "Search advice"))
    box.fill("угрожают фото")
    box.press("Enter")
    child.page.wait_for_url("**/ru/advice/?q=**")
    child.shot("results")
    assert_accessible(child, "search results")
    first = child.page.locator(".article-list a").first
    assert first.inner_text() == "Тебе угрожают выложить твои фото"
    first.click()
    child.page.wait_for_url("**/ru/advice/sextortion-child/")
    assert "102" in child.page.locator(".advice-body").inner_text()


def test_after_a_report_the_child_is_offered_advice_for_their_harm_and_language(live_server, articles, open_browser):
    child = open_browser("child", PHONE)
    file_report(child, live_server.url, "az", harm="sextortion", narrative="Biri şəkillərimi yaymaqla hədələyir.")
    offered = child.page.locator(".suggestions .article-list a")
    assert offered.all_inner_texts()[0] == "Kimsə şəkillərini yaymaqla hədələyir"
    assert all("/az/advice/sextortion" in href for href in offered.evaluate_all("els => els.map(e => e.href)"))
    assert_accessible(child, "report done")
    offered.first.click()
    child.page.wait_for_url("**/az/advice/sextortion-child/")


def test_an_operator_inserts_an_article_link_into_a_reply_with_the_keyboard(
    live_server, articles, open_browser, operator, file_report
):
    case = file_report(harm="scam", language="en").case
    desk = open_browser("operator", DESKTOP)
    device = operator.totpdevice_set.get()
    sign_in_as_staff(desk, live_server.url, operator.username, PASSWORD, device)
    desk.goto(f"{live_server.url}/en/staff/cases/{case.pk}/", "case")
    reply = desk.page.get_by_label("Reply to the reporter")
    reply.fill("Hello. Please read this:")
    reply.press("End")
    reply.press("Alt+k")
    search = desk.page.get_by_role("combobox", name=re.compile("^Find an article"))
    search.wait_for()
    search.press_sequentially("scam")
    desk.page.locator("[role=option][aria-selected=true]").wait_for()
    desk.shot("picker")
    search.press("Enter")
    article = Article.objects.get(key="scam-child", language="en")
    value = reply.input_value()
    assert value.startswith(f"Hello. Please read this: {article.title}: http")
    assert value.endswith("/en/advice/scam-child/")
    assert desk.page.evaluate("document.activeElement.id") == "id_body"
    # The case page's own live updates are not under test here: only the picker's errors count.
    assert not [e for e in desk.console_errors if "knowledge/" in e or "picker" in e]
