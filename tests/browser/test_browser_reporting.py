"""A child reports from a phone, comes back later with the case code, and writes to the center."""

from __future__ import annotations

import pytest
from django.utils import translation

from himoya.cases.models import STATUS_FOR_REPORTER, Case, Status
from himoya.conversations.models import Direction, Message
from himoya.reports.models import Report
from tests.browser.pages import (
    CODE_PATTERN,
    file_report,
    make_png,
    open_case_with_code,
    send_message_as_reporter,
    t,
)

pytestmark = pytest.mark.browser

NARRATIVE = "Sinif yoldaşım Instagram-da mənim haqqımda pis şeylər yazır. Dünən şəklimi də paylaşdı."
LINK = "https://www.instagram.com/fake.account.123/"


def test_a_child_reports_in_azerbaijani_on_a_phone_and_comes_back_with_the_code(
    live_server, reference, open_browser, tmp_path
):
    picture = make_png(tmp_path / "ekran.png")
    child = open_browser("child")

    code = file_report(
        child,
        live_server.url,
        "az",
        harm="cyberbullying",
        narrative=NARRATIVE,
        links=LINK,
        screenshots=(picture,),
    )
    assert child.page.locator("html").get_attribute("lang") == "az"
    # The code is the child's only key: on a phone it must read as one unbroken line.
    assert child.page.locator("#case-code").evaluate("el => el.getClientRects().length") == 1
    assert child.fits_width()

    report = Report.objects.select_related("harm", "case").get()
    assert report.language == "az"
    assert report.harm.code == "cyberbullying"
    assert report.narrative == NARRATIVE
    assert report.links == [LINK]
    attachment = report.attachments.get()
    assert (attachment.content_type, attachment.width, attachment.height) == ("image/png", 360, 640)
    assert attachment.data == picture.read_bytes()
    child.context.close()

    # Days later, on a fresh browser: the code typed the way people type it.
    later = open_browser("child-later")
    typed = code.lower().replace("-", " ")
    assert not CODE_PATTERN.fullmatch(typed)
    open_case_with_code(later, live_server.url, "az", typed)
    with translation.override("az"):
        status_words = str(STATUS_FOR_REPORTER[Status.NEW])
    assert later.page.get_by_role("status").inner_text().strip() == status_words
    assert later.fits_width()

    send_message_as_reporter(later, "az", "Bu gün yenə yazdı, indi də qrupda.")
    assert later.page.url.endswith("/az/status/case/")
    message = Message.objects.get()
    assert (message.case_id, message.direction, message.body) == (
        report.case_id,
        Direction.INBOUND,
        "Bu gün yenə yazdı, indi də qrupda.",
    )
    mine = later.page.locator(".chat .bubble.mine")
    assert mine.count() == 1
    assert "Bu gün yenə yazdı, indi də qrupda." in mine.inner_text()
    assert t("az", "You") in mine.inner_text()
    assert Case.objects.get().status == Status.NEW


def test_the_report_form_works_without_javascript(live_server, reference, open_browser):
    child = open_browser("child", java_script_enabled=False)
    code = file_report(
        child, live_server.url, "en", harm="sextortion", narrative="Someone wants money or he posts my photos."
    )
    case = Case.objects.get()
    assert case.reports.get().harm.code == "sextortion"

    # The "more about you" part is a native <details>: it opens without scripts.
    child.goto(f"{live_server.url}/en/report/", "report-form-again")
    child.page.get_by_text(t("en", "More about you (optional)")).click()
    child.page.get_by_label(t("en", "How old is the child this is about?")).select_option("13_17")
    assert child.page.get_by_label(t("en", "How can we reach you? (optional)")).is_visible()

    open_case_with_code(child, live_server.url, "en", code)
    send_message_as_reporter(child, "en", "He wrote again today.")
    assert case.messages.get().body == "He wrote again today."
    assert "He wrote again today." in child.page.locator(".chat").inner_text()
