"""Known-link lists: how entries match, what triage and the case page make of a match."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from himoya.conversations.actions import receive_message
from himoya.links.actions import add_known_link
from himoya.links.matching import known_matches
from himoya.links.models import KnownLink
from himoya.links.overview import CaseLinks
from himoya.reports.actions import NewReport, prepare, store_reports
from himoya.reports.models import Channel, Report
from himoya.triage.actions import triage_reports
from himoya.triage.engine.links import find_links
from tests.conftest import committed, verified_client

pytestmark = pytest.mark.django_db


def _matched(text: str) -> list[str]:
    return sorted(f"{entry.match_type}:{entry.value}" for _link, entry in known_matches(find_links(text)))


@pytest.fixture
def lists(supervisor):
    add_known_link(supervisor, value="https://t.me/BlueWhale_Game", match_type="exact", harm="dangerous_challenge")
    add_known_link(supervisor, value="youtube.com/@HarmfulVideos", match_type="prefix", harm="self_harm", source="NGO")
    add_known_link(supervisor, value="https://www.scam-prizes.xyz/", match_type="domain", harm="scam", source="CERT")


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("telegram.me/bluewhale_game", ["exact:t.me/bluewhale_game"]),
        ("t.me/bluewhale_game/15", []),  # exact means exact
        ("https://www.youtube.com/@harmfulvideos/videos?si=x", ["prefix:youtube.com/@harmfulvideos"]),
        ("youtube.com/@harmfulvideos", ["prefix:youtube.com/@harmfulvideos"]),
        ("youtube.com/@harmfulvideos2", []),  # a prefix ends at a path segment
        ("scam-prizes.xyz", ["domain:scam-prizes.xyz"]),
        ("https://win.scam-prizes.xyz/claim?id=1", ["domain:scam-prizes.xyz"]),
        ("notscam-prizes.xyz/claim", []),  # a domain match is the domain or below it
        ("example.com", []),
    ],
)
def test_entries_match_exactly_by_prefix_or_by_domain(lists, text, matches):
    assert _matched(text) == matches


def test_a_report_with_a_listed_link_gets_the_lists_harm_as_a_reason(lists, file_report):
    submission = file_report(
        narrative="My brother watches this channel all night.",
        harm=None,
        links=["https://m.youtube.com/@HarmfulVideos/shorts"],
    )
    signal = submission.report.signal
    assert "self_harm" in signal.flagged
    reason = next(r for r in signal.reasons if r["signal"] == "link")
    assert reason["harm"] == "self_harm"
    assert '"NGO"' in reason["detail"] and "youtube.com/@harmfulvideos" in reason["detail"]


def test_a_message_with_a_listed_link_raises_the_case(lists, file_report):
    submission = file_report(narrative="someone is bothering me", harm=None)
    with committed():
        receive_message(submission.report, "they sent me t.me/BlueWhale_Game", "web")
    flagged = [s.flagged for s in submission.case.signals.filter(message__isnull=False)]
    assert flagged and "dangerous_challenge" in flagged[0]


def test_the_case_page_shows_each_link_with_what_is_known_about_it(lists, file_report, operator):
    submission = file_report(
        narrative="They sent paypa1.com/login and the channel https://t.me/BlueWhale_Game",
        links=["https://vm.tiktok.com/ZMabc123/"],
    )
    page = verified_client(operator).get(f"/en/staff/cases/{submission.case.pk}/").content.decode()
    assert "vm.tiktok.com/ZMabc123" in page and "short link: where it leads is not known until opened" in page
    assert "Look-alike address: it imitates paypal.com but is not that site." in page
    assert "On the known-link list as Dangerous" in page
    assert "Exactly this link: t.me/bluewhale_game" in page
    # Reported links are shown as text, never as links to open.
    assert 'href="https://t.me' not in page and 'href="t.me' not in page


def test_the_case_links_take_the_same_few_queries_for_any_number_of_reports(lists, file_report, operator):
    first = file_report(links=["t.me/bluewhale_game", "paypa1.com/login", "instagram.com/some.one"])
    for _ in range(2):
        file_report(links=["t.me/bluewhale_game", "instagram.com/some.one"])
    case = first.case
    CaseLinks(case, operator)  # the operator's permissions are loaded once per request
    with CaptureQueriesContext(connection) as few:
        overview = CaseLinks(case, operator)
    assert len(overview.for_report(first.report.pk)) == 3
    for _ in range(20):
        file_report(links=["t.me/bluewhale_game", "instagram.com/some.one", "https://youtu.be/dQw4w9WgXcQ"])
    with CaptureQueriesContext(connection) as many:
        overview = CaseLinks(case, operator)
    assert overview.for_report(first.report.pk)[0].other_reports == 22
    assert len(many) == len(few) <= 5


def test_a_value_is_stored_once_per_match_type_in_normal_form(supervisor):
    add_known_link(supervisor, value="HTTPS://T.ME/Bad_Channel/", match_type="prefix", harm="scam", note="first")
    entry = add_known_link(supervisor, value="telegram.me/bad_channel", match_type="prefix", harm="hate_speech")
    assert KnownLink.objects.count() == 1
    assert (entry.value, entry.harm_id, entry.note) == ("t.me/bad_channel", "hate_speech", "")
    add_known_link(supervisor, value="t.me/bad_channel", match_type="exact", harm="scam")
    assert KnownLink.objects.count() == 2


def test_reports_triaged_together_each_get_only_their_own_links_matches(lists, reference):
    stored = store_reports(
        [
            prepare(NewReport(channel=Channel.API, language="en", narrative=text, links=links))
            for text, links in [
                ("My brother watches this channel all night.", ["youtube.com/@HarmfulVideos"]),
                ("They promise a prize if we pay first.", ["https://win.scam-prizes.xyz/claim"]),
                ("Someone in my class posts mean things about me.", []),
            ]
        ]
    )
    reports = list(Report.objects.select_related("case", "harm").order_by("pk"))
    with CaptureQueriesContext(connection) as reading:
        signals = triage_reports(reports)
    assert [signal.report_id for signal in signals] == [submission.report.pk for submission in stored]
    link_harms = [[r["harm"] for r in signal.reasons if r["signal"] == "link"] for signal in signals]
    assert link_harms == [["self_harm"], ["scam"], []]
    # Matches for the three are read in one query of each kind, not one per report.
    match_queries = [q for q in reading.captured_queries if "hashes_match" in q["sql"] or "links_knownlink" in q["sql"]]
    assert len(match_queries) == 2
