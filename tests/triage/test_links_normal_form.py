"""The normal form of links: one place, one spelling; and what is recorded about each link."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from himoya.triage.engine.links import (
    DOMAIN,
    HANDLE,
    URL,
    describe_link,
    match_candidates,
    normalize_link,
)


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        # scheme, case, www., default ports, trailing slash, fragment, tracking parameters
        ("HTTPS://WWW.Example.com/x/?utm_source=a&utm_medium=b", "example.com/x"),
        ("http://example.com:80/x#top", "example.com/x"),
        ("https://example.com:443/", "example.com"),
        ("example.com:8080/x/", "example.com:8080/x"),
        ("https://example.com/a?b=2&a=1&fbclid=XYZ&gclid=1", "example.com/a?a=1&b=2"),
        ("https://example.com//a/./b/../c", "example.com/a/c"),
        ("http://user:secret@example.com/a", "example.com/a"),
        ("m.example.com/a", "example.com/a"),
        ("mobile.example.com/a", "example.com/a"),
        ("hxxps://evil[.]example[.]com/x", "evil.example.com/x"),
        # percent-escapes of ordinary characters are the characters
        ("https://example.com/%D0%BF%D1%83%D1%82%D1%8C", "example.com/путь"),
        ("https://example.com/a%2Fb", "example.com/a%2Fb"),
        # IDNA: the Unicode form, from either spelling
        ("http://xn--e1afmkfd.xn--p1ai/", "пример.рф"),
        ("ПРИМЕР.РФ", "пример.рф"),
        # Telegram
        ("https://t.me/s/BadChannel/123?single", "t.me/badchannel/123"),
        ("telegram.me/BadChannel", "t.me/badchannel"),
        ("https://telegram.dog/BadChannel", "t.me/badchannel"),
        ("badchannel.t.me", "t.me/badchannel"),
        ("tg://resolve?domain=BadChannel&post=5", "t.me/badchannel/5"),
        ("https://t.me/joinchat/AbCdEf", "t.me/+AbCdEf"),
        ("t.me/+AbCdEf", "t.me/+AbCdEf"),
        # Instagram
        ("https://www.instagram.com/Some.User/?igsh=xyz", "instagram.com/some.user"),
        ("instagram.com/reel/CxYz123/?utm_source=ig_web_copy_link", "instagram.com/p/CxYz123"),
        ("https://instagr.am/p/CxYz123", "instagram.com/p/CxYz123"),
        # TikTok: accounts read, share links kept as written
        (
            "https://www.tiktok.com/@Some.User/video/7234?is_from_webapp=1&sender_device=pc",
            "tiktok.com/@some.user/video/7234",
        ),
        ("https://vm.tiktok.com/ZMabc123/", "vm.tiktok.com/ZMabc123"),
        # YouTube: every way to write one video is one link
        ("https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&feature=share", "youtube.com/watch?v=dQw4w9WgXcQ"),
        ("youtube.com/shorts/dQw4w9WgXcQ", "youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://www.youtube.com/@SomeChannel/videos", "youtube.com/@somechannel/videos"),
        ("https://www.youtube.com/channel/UCabcDEF123", "youtube.com/channel/UCabcDEF123"),
        # VK, X, Facebook, Discord, WhatsApp
        ("https://m.vk.com/ID123", "vk.com/id123"),
        ("vk.ru/wall-1234_56", "vk.com/wall-1234_56"),
        ("twitter.com/SomeOne/status/1?s=20", "x.com/someone/status/1"),
        ("https://m.facebook.com/profile.php?id=123&ref=bookmarks", "facebook.com/profile.php?id=123"),
        ("discord.com/invite/AbC", "discord.gg/AbC"),
        ("https://wa.me/998901234567?text=hi", "wa.me/998901234567"),
        # redirect wrappers lead to what they wrap
        ("https://vk.com/away.php?to=https%3A%2F%2Fevil.example.org%2Fpage&cc_key=", "evil.example.org/page"),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ&h=AT0",
            "youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        # a handle written alone
        ("@Some_User", "@some_user"),
        # an IP address
        ("http://1.2.3.4/x", "1.2.3.4/x"),
    ],
)
def test_one_place_has_one_normal_form(written, normal):
    assert normalize_link(written) == normal


@pytest.mark.parametrize(
    "written",
    [
        "",
        "   ",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "mailto:a@example.com",
        "999.1.1.1",
        "example.notatld",
        "localhost:8000",
        "http://exa mple.com",
        "@x",
        "a" * 3000 + ".com",
    ],
)
def test_what_is_not_a_link_is_refused(written):
    assert describe_link(written) is None


def test_the_same_channel_written_many_ways_compares_equal():
    forms = {
        normalize_link(text)
        for text in [
            "https://t.me/BadChannel",
            "t.me/badchannel/",
            "http://www.t.me/BADCHANNEL",
            "telegram.me/BadChannel?start=x",
            "https://t.me/s/BadChannel",
            "badchannel.t.me",
        ]
    }
    assert forms == {"t.me/badchannel"}


def test_what_is_recorded_about_a_link():
    video = describe_link("https://youtu.be/dQw4w9WgXcQ")
    assert (video.kind, video.platform, video.short, video.specific) == (URL, "youtube", True, True)
    short = describe_link("https://vm.tiktok.com/ZMabc123/")
    assert (short.platform, short.short, short.normalized) == ("tiktok", True, "vm.tiktok.com/ZMabc123")
    account = describe_link("t.me/BadChannel/77")
    assert (account.platform, account.handle, account.anchor) == ("telegram", "badchannel", "t.me/badchannel")
    site = describe_link("https://forum.example.uz/topic/5")
    assert (site.platform, site.site, site.anchor) == (None, "example.uz", "forum.example.uz/topic")
    assert describe_link("example.uz").kind == DOMAIN
    assert describe_link("@someone").kind == HANDLE


@pytest.mark.parametrize("generic", ["youtube.com", "https://www.instagram.com/", "t.me", "instagram.com/explore"])
def test_a_whole_platform_is_not_a_specific_link(generic):
    assert describe_link(generic).specific is False


def test_the_unicode_and_the_ascii_forms_are_both_kept():
    link = describe_link("http://пример.рф/путь?q=да")
    assert link.normalized == "пример.рф/путь?q=да"
    assert link.ascii_host == "xn--e1afmkfd.xn--p1ai"
    assert link.ascii == "xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C?q=%D0%B4%D0%B0"


@pytest.mark.parametrize(
    ("written", "imitated"),
    [
        ("gооgle.com", "google.com"),  # Cyrillic о
        ("https://раураl.com/login", "paypal.com"),  # Cyrillic р, а, у
        ("paypa1.com/login", "paypal.com"),
        ("g00gle.ru", "google.com"),
        ("instagam.com", "instagram.com"),
        ("rnicrosoft.com", "microsoft.com"),
        ("paypal-login.com", "paypal.com"),
        ("paypal.com.secure-check.ru", "paypal.com"),
        ("telegram-premium.org/gift", "telegram.org"),
        ("robIox.com", "roblox.com"),  # capital I for l
    ],
)
def test_a_host_imitating_a_well_known_site_is_marked(written, imitated):
    assert describe_link(written).lookalike_of == imitated


@pytest.mark.parametrize(
    "genuine",
    [
        "google.com",
        "accounts.google.com",
        "google.ru",
        "www.paypal.com/signin",
        "t.me/x_channel",
        "example.com",
        "пример.рф",
    ],
)
def test_genuine_and_unrelated_hosts_are_not_look_alikes(genuine):
    assert describe_link(genuine).lookalike_of is None


def test_mixed_alphabets_in_one_label_are_marked():
    assert describe_link("gооgle.com").mixed_script is True
    assert describe_link("пример.рф").mixed_script is False


def test_match_candidates_cut_at_path_segments_and_parent_domains():
    link = describe_link("https://sub.evil.example.com/a/b?x=1")
    candidates = match_candidates(link)
    assert candidates["exact"] == ["sub.evil.example.com/a/b?x=1"]
    assert candidates["prefix"] == [
        "sub.evil.example.com",
        "sub.evil.example.com/a",
        "sub.evil.example.com/a/b",
        "sub.evil.example.com/a/b?x=1",
    ]
    assert candidates["domain"] == ["sub.evil.example.com", "evil.example.com", "example.com"]
    assert match_candidates(describe_link("@someone")) == {"exact": ["@someone"], "prefix": [], "domain": []}


# --- any input -----------------------------------------------------------------------------

_url_parts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_describing_never_raises(text):
    link = describe_link(text)
    assert link is None or link.normalized


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "", "www.", "HTTPS://WWW."]),
    st.sampled_from(
        ["example.com", "t.me", "youtube.com", "youtu.be", "vk.com", "instagram.com", "пример.рф", "bit.ly"]
    ),
    _url_parts,
    _url_parts,
)
def test_the_normal_form_is_its_own_normal_form(scheme, host, path, query):
    link = describe_link(f"{scheme}{host}/{path}?{query}")
    if link is not None:
        assert normalize_link(link.normalized) == link.normalized
