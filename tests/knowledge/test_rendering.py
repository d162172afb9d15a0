"""Markdown in, safe HTML out; the center's contacts filled in; plain text for search."""

from __future__ import annotations

from himoya.knowledge.rendering import Contacts, fill_placeholders, plain_text, reading_minutes, render_markdown

CONTACTS = Contacts(center="Safe Center", web="https://x.example/az/report/", bot="https://t.me/SafeBot")


def test_it_renders_headings_lists_and_links():
    html = render_markdown("## Steps\n\n1. Block\n2. Report\n\n[Help](https://x.example/)")
    assert "<h2>Steps</h2>" in html
    assert "<ol>" in html and "<li>Block</li>" in html
    assert '<a href="https://x.example/" rel="noopener noreferrer">Help</a>' in html


def test_it_shows_raw_html_as_text_never_as_markup():
    html = render_markdown('Hello <script>alert(1)</script> <img src=x onerror=alert(1)> <b onclick="x">b</b>')
    assert "<script" not in html and "<img" not in html and "<b" not in html
    assert "&lt;script&gt;" in html


def test_it_drops_dangerous_link_schemes():
    html = render_markdown("[x](javascript:alert(1)) [y](data:text/html;base64,PHNjcmlwdD4=) [z](vbscript:msgbox)")
    assert "<a" not in html and "href" not in html  # left as plain text, never a link


def test_it_fills_contacts_and_leaves_out_lines_of_missing_ones():
    text = "- {{center}}: {{web}}\n- Telegram: {{bot}}\n- Phone: {{phone}}\n- E-mail: {{email}}"
    filled = fill_placeholders(text, CONTACTS)
    assert "Safe Center: [x.example/az/report](<https://x.example/az/report/>)" in filled
    assert "[t.me/SafeBot](<https://t.me/SafeBot>)" in filled
    assert "Phone" not in filled and "E-mail" not in filled
    html = render_markdown(filled)
    assert 'href="https://x.example/az/report/"' in html


def test_a_center_name_cannot_inject_markup():
    filled = fill_placeholders("{{center}}", Contacts(center="<b>[evil](javascript:x)</b>", web="https://x/"))
    html = render_markdown(filled)
    assert "<b>" not in html and "href" not in html


def test_plain_text_keeps_words_and_drops_markup():
    text = plain_text("## Title\n\n- **Bold** and [link](https://x/)\n\n`code`")
    assert text.splitlines() == ["Title", "Bold and link", "code"]


def test_reading_time_is_at_least_one_minute():
    assert reading_minutes("short") == 1
    assert reading_minutes("word " * 600) == 4
