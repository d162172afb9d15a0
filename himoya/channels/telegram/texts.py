"""What the bot says. English here; translated centrally in ``locale/``.

Each text is a whole sentence or a whole button label: nothing is built by gluing pieces
of sentences together, so every language can order its words its own way. Functions that
build a message must run under ``translation.override(chat.language)``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

EMERGENCY_NUMBER = "112"  # the emergency number in Azerbaijan, Uzbekistan and most of Europe

# Button labels. Icons sit outside the translated words.
REPORT = gettext_lazy("Tell us what happened")
LIVE = gettext_lazy("I need to talk to someone now")
ADVICE = gettext_lazy("Get advice")
STATUS = gettext_lazy("Check my case")
LANGUAGE = gettext_lazy("Change language")
DELETE = gettext_lazy("Delete my data")
BACK = gettext_lazy("Back to the menu")
CANCEL = gettext_lazy("Cancel")
DONE = gettext_lazy("Done")
SKIP = gettext_lazy("Skip")
SEND = gettext_lazy("Send the report")
START_AGAIN = gettext_lazy("Start again")
MY_CASE = gettext_lazy("My last case")
TYPE_CODE = gettext_lazy("I have a case code")
YES_DELETE = gettext_lazy("Yes, delete my data")
NO_KEEP = gettext_lazy("No, keep it")
REPORT_THIS = gettext_lazy("Report this")

# Short guidance by harm, until the knowledge base has an article for it.
ADVICE_BY_HARM = {
    "cyberbullying": gettext_lazy(
        "Don't answer back, and don't delete anything: take screenshots first. Block the person and "
        "report them in the app. Tell an adult you trust. It is not your fault."
    ),
    "cyberstalking": gettext_lazy(
        "Don't reply. Save screenshots with dates. Make your profiles private, turn off location "
        "sharing, then block and report the account. Tell an adult you trust."
    ),
    "grooming": gettext_lazy(
        "An adult who asks you for secrets, photos or a meeting is not a real friend. Stop chatting, "
        "don't send anything, keep the messages, and tell an adult you trust or us straight away."
    ),
    "sextortion": gettext_lazy(
        "Don't pay and don't send anything more. It is not your fault and you are not in trouble. "
        "Take screenshots, then block the person, and talk to us now: we can help get pictures removed."
    ),
    "csam": gettext_lazy(
        "Don't share or download it, not even to report it. Note the link or where you saw it and send "
        "it to us: we pass it to those who remove it. If it upset you, talk to someone you trust."
    ),
    "ncii": gettext_lazy(
        "It is not your fault. Take screenshots of where it was shared, report it on the platform and "
        "tell us: we can help ask for it to be removed. Don't answer the person who shared it."
    ),
    "self_harm": gettext_lazy(
        "If you or someone else could get hurt right now, call %(emergency)s. You are not alone: talk "
        "to an adult you trust, or to us, now. Don't follow or share content that tells you to hurt yourself."
    ),
    "violent_extremism": gettext_lazy(
        "Don't share it, not even to warn others. Report it on the platform and send us the link. If it "
        "frightened you, talk to someone you trust."
    ),
    "dangerous_challenge": gettext_lazy(
        "Never try a challenge that could hurt you or others, even if your friends do. Don't share it. "
        "Report the video and tell an adult or us."
    ),
    "scam": gettext_lazy(
        "Don't send money, codes or passwords. If you already did, tell an adult now and change your "
        "passwords. Keep the messages and report the account."
    ),
    "hate_speech": gettext_lazy(
        "Don't answer hate with hate. Take a screenshot, report it on the platform and block the "
        "account. You can send us the link."
    ),
    "misinformation": gettext_lazy(
        "Check before you share: who wrote it, and do trusted news sites say the same? If it is false "
        "or scary, don't forward it. Report it on the platform."
    ),
    "privacy": gettext_lazy(
        "Ask the platform to remove your personal details, make your accounts private and change your "
        "passwords. Keep screenshots and tell us what was shared."
    ),
    "inappropriate_content": gettext_lazy(
        "Close it: you did nothing wrong. Ask an adult to turn on safe search and parental settings, "
        "and tell someone you trust if it upset you."
    ),
    "other": gettext_lazy(
        "Tell an adult you trust, keep screenshots, and block and report anyone who makes you feel "
        "bad. You can always write to us here."
    ),
}


def language_name(code: str) -> str:
    """A language's name in that language (Azərbaycanca, Русский...), the same for everyone."""
    return get_language_info(code)["name_local"].capitalize()


def choose_language() -> str:
    """The language question, once in every offered language (we do not know theirs yet)."""
    from django.utils import translation

    lines = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            lines.append(_("Please choose your language."))
    return "\n".join(dict.fromkeys(lines))


def welcome() -> str:
    return "\n".join(
        [
            _("Hi! This is %(center)s. We help children and families when something bad or scary happens online.")
            % {"center": settings.CENTER_NAME},
            _("You don't have to tell us your name. Only the center's staff read what you send, and we keep it safe."),
        ]
    )


def menu_question() -> str:
    return _("What would you like to do?")


def advice(harm_code: str) -> str:
    text = ADVICE_BY_HARM.get(harm_code) or ADVICE_BY_HARM["other"]
    return str(text) % {"emergency": EMERGENCY_NUMBER}
