from django import template

from himoya.conversations.panel import build_panel, language_name

register = template.Library()


@register.simple_tag
def chat_panel(case):
    """The conversation panel's data for ``case`` (see ``conversations.panel``)."""
    return build_panel(case)


@register.filter(name="language_name")
def language_name_filter(code: str) -> str:
    """The name of a language the site offers, in the page's language ("uz" → "Uzbek")."""
    return language_name(code)
