"""Turning an article's Markdown into safe HTML, and into plain text.

Editors write Markdown only: raw HTML in the source is shown as text (markdown-it's
``html`` option is off), and the HTML that comes out is cleaned again by nh3 against a
short list of tags and attributes, so nothing an editor types can run script or load
anything from elsewhere.

Articles name the center's contacts through placeholders, so the shipped texts work for any
deployment: ``{{center}}``, ``{{web}}`` (the report form in the article's language),
``{{bot}}``, ``{{phone}}`` and ``{{email}}``. A line whose placeholder has no value in this
deployment (no bot configured, say) is left out, so a text never says "call us on ".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

PLACEHOLDER_NAMES = ("center", "web", "bot", "phone", "email")
PLACEHOLDER = re.compile(r"\{\{\s*(" + "|".join(PLACEHOLDER_NAMES) + r")\s*\}\}")
ANY_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]*)\s*\}\}")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@dataclass(frozen=True)
class Contacts:
    """How to reach the center, as shown inside articles and on leaflets."""

    center: str
    web: str  # the report form, absolute URL
    bot: str = ""
    phone: str = ""
    email: str = ""


def _escape_text(value: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", value)


def _link(url: str, label: str | None = None) -> str:
    shown = label or re.sub(r"^https?://", "", url).rstrip("/")
    return f"[{_escape_text(shown)}](<{url}>)"


def fill_placeholders(text: str, contacts: Contacts) -> str:
    """The Markdown with contacts filled in; lines naming an unset contact are dropped."""
    values = {
        "center": _escape_text(contacts.center),
        "web": _link(contacts.web) if contacts.web else "",
        "bot": _link(contacts.bot) if contacts.bot else "",
        "phone": _link("tel:" + re.sub(r"[^\d+]", "", contacts.phone), contacts.phone) if contacts.phone else "",
        "email": _link("mailto:" + contacts.email, contacts.email) if contacts.email else "",
    }
    lines = []
    for line in text.splitlines():
        names = PLACEHOLDER.findall(line)
        if any(not values[name] for name in names):
            continue
        lines.append(PLACEHOLDER.sub(lambda match: values[match.group(1)], line))
    return "\n".join(lines)


def render_markdown(text: str) -> str:
    """Sanitised HTML for Markdown ``text`` (placeholders already filled)."""
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def plain_text(text: str) -> str:
    """The words of Markdown ``text`` with the markup taken out: one block per line."""
    blocks: list[str] = []
    for token in _md.parse(text):
        if token.type == "inline":
            words = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
            blocks.append("".join(words).strip())
        elif token.type in ("code_block", "fence"):
            blocks.append(token.content.strip())
    return "\n".join(block for block in blocks if block)


def word_count(text: str) -> int:
    return len(re.findall(r"\w+(?:['’‘ʼ`]\w+)*", plain_text(text)))


def reading_minutes(text: str, words_per_minute: int = 150) -> int:
    """Minutes a young reader needs: 150 words a minute, at least one."""
    return max(1, round(word_count(text) / words_per_minute))
