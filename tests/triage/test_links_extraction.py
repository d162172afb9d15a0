"""Finding links in what reporters write, and what triage makes of known and look-alike links."""

from __future__ import annotations

import pytest

from himoya.triage.engine import KnownLinkMatch, TriageInput
from himoya.triage.engine.links import MAX_LINKS, extract_links, find_links


def _found(text: str) -> list[str]:
    return extract_links(text)


def test_links_in_text_come_in_order_each_once_after_the_link_field():
    text = "see https://www.example.com/post?utm_source=x&id=5 and then HTTP://EXAMPLE.com/post?id=5#x"
    assert extract_links(text, ["example.org/a/"]) == ["example.org/a", "example.com/post?id=5"]


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("the site is evil-challenge.site/join now", ["evil-challenge.site/join"]),
        ("зайди на пример.рф, там всё", ["пример.рф"]),
        (
            "(see https://en.wikipedia.org/wiki/Foo_(bar)) and <https://example.org/a>.",
            [
                "en.wikipedia.org/wiki/Foo_(bar)",
                "example.org/a",
            ],
        ),
        ("link: tiktok.com/@dance.king/video/1?lang=en!", ["tiktok.com/@dance.king/video/1"]),
        ("youtu.be/dQw4w9WgXcQ и youtube.com/watch?v=dQw4w9WgXcQ", ["youtube.com/watch?v=dQw4w9WgXcQ"]),
    ],
)
def test_links_are_found_with_or_without_a_scheme(text, links):
    assert _found(text) == links


@pytest.mark.parametrize(
    "text",
    [
        "I was scared.Then he wrote again.Do you understand?",  # sentences run together
        "ok.so what now? it.is fine",  # words that are also top-level domains
        "my homework is in main.py and notes.zip",  # file names
        "г.Ташкент, т.е. 3.14 v1.2.3 at 10.30, e.g. this",  # abbreviations, numbers, versions
        "write to ivan.petrov@mail.ru please",  # an e-mail address is not a link or a handle
    ],
)
def test_ordinary_text_holds_no_links(text):
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("his telegram is @Bad_Channel", ["t.me/bad_channel"]),
        ("@bad_channel (telegram)", ["t.me/bad_channel"]),
        (
            "Его канал в телеграме @plohoy_kanal, а инста @some.girl_22",
            [
                "t.me/plohoy_kanal",
                "instagram.com/some.girl_22",
            ],
        ),
        ("Teleqram kanalı @pis_kanal", ["t.me/pis_kanal"]),
        ("instagramda @qiz_bola profili bor", ["instagram.com/qiz_bola"]),
        ("tiktok: @dance.challenge", ["tiktok.com/@dance.challenge"]),
        ("on youtube @BadVideos", ["youtube.com/@badvideos"]),
        ("a boy called @someone_x keeps writing", ["@someone_x"]),
        ("youtube @BadVideos. Also @someone_x wrote", ["youtube.com/@badvideos", "@someone_x"]),
    ],
)
def test_a_handle_is_put_on_the_platform_the_words_around_it_name(text, links):
    assert _found(text) == links


@pytest.mark.parametrize("text", ["mail me at someone@gmail.com", "it was @gmail.com", "x@y.uz", "medium.com/@writer"])
def test_e_mail_addresses_are_not_handles(text):
    assert not [link for link in find_links(text) if link.kind == "handle"]


def test_a_pasted_list_of_links_is_cut_off():
    text = " ".join(f"site{i}.example.com/x" for i in range(MAX_LINKS + 50))
    assert len(find_links(text)) == MAX_LINKS


def test_a_huge_text_is_read_without_trouble():
    text = ("a." * 100_000) + " t.me/late_channel " + ("@" * 50_000)
    assert isinstance(find_links(text), list)


# --- triage ---------------------------------------------------------------------------------


def test_a_known_link_match_raises_the_lists_harm_with_a_reason(lexicon_engine):
    match = KnownLinkMatch(entry="t.me/blue_whale", match_type="prefix", harm="dangerous_challenge", source="IWF")
    result = lexicon_engine.triage(TriageInput(text="look at t.me/blue_whale/12", known_links=(match,)))
    assert "dangerous_challenge" in result.flagged
    reason = next(r for r in result.reasons if r.signal == "link")
    assert (reason.harm, reason.weight) == ("dangerous_challenge", 0.9)
    assert '"IWF"' in reason.detail and "t.me/blue_whale" in reason.detail and "prefix" in reason.detail


def test_several_entries_for_one_harm_count_once(lexicon_engine):
    matches = (
        KnownLinkMatch("t.me/some_channel", "prefix", "dangerous_challenge", "IWF"),
        KnownLinkMatch("t.me", "domain", "dangerous_challenge", "center"),
    )
    result = lexicon_engine.triage(TriageInput(text="t.me/some_channel", known_links=matches))
    weights = [r.weight for r in result.reasons if r.signal == "link"]
    assert weights == [0.9, 0.0]
    assert result.harms["dangerous_challenge"] == 0.9


def test_a_look_alike_address_is_a_reason_but_does_not_flag_alone(lexicon_engine):
    result = lexicon_engine.triage(TriageInput(text="log in at paypa1.com/login to get your prize"))
    reason = next(r for r in result.reasons if r.signal == "link")
    assert (reason.harm, reason.detail) == ("scam", "a link's address imitates paypal.com")
    assert result.harms["scam"] >= 0.3
    assert "paypa1" not in reason.detail


def test_unknown_harm_codes_from_a_list_are_ignored(lexicon_engine):
    match = KnownLinkMatch("example.com", "domain", "not-a-harm", "x")
    result = lexicon_engine.triage(TriageInput(text="example.com", known_links=(match,)))
    assert not [r for r in result.reasons if r.signal == "link"]


def test_the_quick_pass_over_a_text_misses_no_link_the_full_pattern_finds():
    from himoya.triage.engine import links

    texts = [
        "see https://www.example.com/post?utm_source=x&id=5 and then HTTP://EXAMPLE.com/post?id=5#x",
        "the site is evil-challenge.site/join now",
        "зайди на пример.рф, там всё",
        "hxxps://bad[.]example/x tg://resolve?domain=somebody WWW2.example.org",
        "xn--e1afmkfd.xn--p1ai and 10.0.0.1:8080/a",
        "write to kid@gmail.com or @dark_star12 on telegram",
        "No link here. Just sentences. Numbers 3.14 and 2.0, an ellipsis... and a.",
    ]
    for text in texts:
        if links._TEXT_LINK_RE.search(text):
            assert links._MAY_HOLD_LINK_RE.search(text), text
    assert not links._MAY_HOLD_LINK_RE.search(texts[-1][:-3])  # prose alone is passed over
    assert "t.me/somebody" in _found(texts[3])
