"""What pupils are told when something they sent is not accepted (pages and sockets)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from himoya.awareness import actions

REFUSALS = {
    actions.ALREADY: _("You have answered this one already. Your first answer counts."),
    actions.NOT_OPEN: _("This question is closed now. Wait for the next one."),
    actions.INVALID: _("That answer does not fit this question. Please try again."),
    actions.SCREENED: _("Please write it another way, without names, phone numbers, addresses, links or rude words."),
    actions.ENDED: _("This session has ended. Thank you for taking part!"),
    actions.FULL: _("This session is full. Ask the presenter for help."),
    actions.TOO_MANY: _("Your questions are waiting for the presenter. You can ask more once they have been read."),
    "slow_down": _("That was a lot at once. Please wait a moment."),
}


def refusal_message(code: str):
    return REFUSALS.get(code, REFUSALS[actions.INVALID])
