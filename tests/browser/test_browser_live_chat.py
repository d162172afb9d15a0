"""The live conversation in Chromium, on the real ASGI server (HTTP and WebSockets).

An operator signs in with a password and a TOTP code, watches the queue while a child asks
for help now, sees the P1 case appear without reloading, claims it and answers from the
keyboard with a canned reply in the child's language. The child's page (another browser)
shows "typing…", then the reply, without reloading; the child answers and the operator's
page shows it at once. Each side sees the other has read their message.
"""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from himoya.accounts import roles
from himoya.cases.models import Case
from himoya.conversations.loader import load_canned_replies
from himoya.conversations.models import DeliveryState, Direction, Message
from tests.browser.pages import DESKTOP, PHONE, open_case_with_code, sign_in_as_staff, t
from tests.browser.test_browser_accessibility import blocking_violations, describe
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser

NARRATIVE = "Kimdir rasmlarimni hammaga tarqataman deb pul soʻrayapti. Juda qoʻrqyapman."
CANNED_TITLE = "Shantaj: pul toʻlama"
CHILD_ANSWER = "Rahmat. Men xavfsizman, uydaman."


def test_operator_and_child_talk_live(asgi_server, reference, open_browser, file_report):
    load_canned_replies()
    operator = make_staff("olga", roles.OPERATOR)
    desk = open_browser("operator", DESKTOP)
    sign_in_as_staff(desk, asgi_server, "olga", PASSWORD, TOTPDevice.objects.get(user=operator))
    page = desk.page
    page.locator("body[data-live=on]").wait_for()

    # A child asks for help now while the queue is open: the case appears without a reload.
    page.evaluate("window.sameQueuePage = true")
    submission = file_report(harm="sextortion", language="uz", narrative=NARRATIVE, needs_help_now=True)
    case = Case.objects.get(pk=submission.case.pk)
    assert case.urgency == "P1"
    link = page.get_by_role("link", name=case.reference, exact=True)
    link.wait_for()
    assert page.evaluate("window.sameQueuePage") is True
    row = page.get_by_role("row").filter(has=link)
    assert "P1" in row.inner_text()
    desk.shot("queue-with-new-p1")

    # Keyboard only from here: open the case, claim it.
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    claim = page.get_by_role("button", name="Claim", exact=True)
    claim.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Case.objects.get(pk=case.pk).assignee == operator
    chat = page.locator("[data-chat]")
    chat.locator("[data-live-badge]").wait_for()
    assert "Replying in Uzbek (Latin)" in chat.locator("[data-replying-in]").inner_text()
    desk.shot("case-claimed")

    # The child opens their page with the code, on a phone, in Uzbek.
    child = open_browser("child", PHONE)
    open_case_with_code(child, asgi_server, "uz", submission.code)
    child.page.locator("body[data-live=on]").wait_for()
    child.page.evaluate("window.sameChildPage = true")

    # "/" in the empty reply box opens the canned replies in the reporter's language.
    reply = page.get_by_label("Reply to the reporter")
    reply.focus()
    page.keyboard.press("/")
    search = page.get_by_role("combobox", name="Find a canned reply (↑ ↓ to choose, Enter to insert, Esc to close)")
    search.wait_for()
    search.press_sequentially("shantaj")
    expect(page.locator("#canned-options [role=option][aria-selected=true]")).to_contain_text(CANNED_TITLE)
    desk.shot("canned-picker")
    if violations := blocking_violations(page):
        pytest.fail(describe({"case page, canned picker open": violations}))
    search.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_body"
    reply.press("End")
    reply.press_sequentially(" Biz shu yerdamiz.")

    # The child sees "typing…" while the operator types.
    typing = child.page.get_by_text(t("uz", "Someone from the center is typing…"))
    typing.wait_for()
    child.shot("operator-typing")

    text = reply.input_value()
    assert text.startswith("Sen aybdor emassan") and text.endswith("Biz shu yerdamiz.")
    reply.press("Control+Enter")
    mine = page.locator(".chat .bubble.mine")
    mine.wait_for()
    expect(reply).to_have_value("")

    # The reply appears on the child's page without a reload; reading it shows as read.
    theirs = child.page.locator(".chat .bubble.theirs")
    theirs.wait_for()
    assert "Biz shu yerdamiz." in theirs.inner_text()
    assert child.page.evaluate("window.sameChildPage") is True
    expect(typing).to_be_hidden()
    child.shot("reply-arrived")
    mine.locator(".state-read").wait_for()
    assert mine.locator("[data-state]").inner_text() == "Read"
    desk.shot("reply-read")

    # The child answers; the operator sees it at once, and the child sees it was seen.
    child.page.get_by_label(t("uz", "Your message")).fill(CHILD_ANSWER)
    child.page.get_by_role("button", name=t("uz", "Send"), exact=True).click()
    answer = page.locator(".chat .bubble.theirs").filter(has_text=CHILD_ANSWER)
    answer.wait_for()
    child_bubble = child.page.locator(".chat .bubble.mine")
    child_bubble.locator(".state-read").wait_for()
    assert child_bubble.locator("[data-state]").inner_text() == t("uz", "Seen")
    assert child.page.evaluate("window.sameChildPage") is True
    child.shot("answer-seen")
    desk.shot("answer-arrived")
    if violations := blocking_violations(child.page):
        pytest.fail(describe({"child's conversation page": violations}))

    sent, received = Message.objects.order_by("pk")
    assert (sent.direction, sent.author, sent.language, sent.state) == (
        Direction.OUTBOUND,
        operator,
        "uz",
        DeliveryState.READ,
    )
    assert (received.direction, received.body, received.state) == (Direction.INBOUND, CHILD_ANSWER, DeliveryState.READ)
    for person in (desk, child):
        assert not person.console_errors, (person.name, person.console_errors)
