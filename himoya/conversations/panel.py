"""What the conversation panel of a case page shows: one thread per reporter, the reply form,
the reply languages and the canned replies the picker offers.

Built for ``templates/cases/_chat.html`` by the ``chat_panel`` template tag, so the case
page's view needs to know nothing about conversations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q
from django.utils.translation import gettext as _

from himoya.conversations.forms import ChatReplyForm
from himoya.conversations.models import CannedReply, Direction, Message

# Languages written in Latin or Cyrillic letters by the people who write to the center: the
# panel says which one the reporter uses, as the canned replies are in one of them.
TWO_SCRIPT_LANGUAGES = {"uz", "az"}
# A language told apart by triage counts as the reporter's only when triage is this sure.
DETECTED_LANGUAGE_CONFIDENCE = 0.8


@dataclass
class Thread:
    report: object
    number: int
    messages: list[Message] = field(default_factory=list)
    language: str = ""  # what the reply language starts at
    script: str = ""  # "Latin"/"Cyrillic", translated, for a two-script language

    @property
    def label(self) -> str:
        return _("Reporter %(number)s · %(channel)s") % {
            "number": self.number,
            "channel": self.report.get_channel_display(),
        }

    @property
    def language_label(self) -> str:
        """How the reply language is shown: "Uzbek (Latin)"."""
        name = language_name(self.language)
        return _("%(language)s (%(script)s)") % {"language": name, "script": self.script} if self.script else name

    @property
    def last_inbound(self) -> int:
        return max((m.pk for m in self.messages if m.direction == Direction.INBOUND), default=0)


@dataclass
class Panel:
    threads: list[Thread]
    current: Thread | None  # the conversation the reply goes to first: the one the reporter last wrote in
    form: ChatReplyForm
    canned: list[dict]
    languages: list[dict]

    @property
    def texts(self) -> dict[str, str]:
        """Words the page's script puts together; ``%(...)s`` is filled in there."""
        return {
            "replying_in": _("Replying in %(language)s"),
            "colleague_typing": _("%(name)s is typing a reply…"),
            "sent": _("Reply sent."),
            "not_sent": _("The reply was not sent. Check your connection and try again."),
        }

    @property
    def last_inbound(self) -> int:
        return max((t.last_inbound for t in self.threads), default=0)


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


def script_of(texts: list[str]) -> str:
    """ "Latin" or "Cyrillic" (translated): the letters most of ``texts`` are written in, or ""."""
    latin = cyrillic = 0
    for text in texts:
        for char in text:
            if "\u0400" <= char <= "\u04ff":
                cyrillic += 1
            elif char.isascii() and char.isalpha():
                latin += 1
    if not (latin or cyrillic):
        return ""
    return _("Cyrillic") if cyrillic > latin else _("Latin")


def _reply_language(report, detected: tuple[str, float] | None) -> str:
    offered = dict(settings.LANGUAGES)
    if detected and detected[0] in offered and detected[1] >= DETECTED_LANGUAGE_CONFIDENCE:
        return detected[0]
    return report.language if report.language in offered else settings.LANGUAGE_CODE


def build_panel(case) -> Panel:
    """Three queries: reports with their triage language, messages, canned replies."""
    reports = list(case.reports.select_related("signal").order_by("id"))
    by_report = {report.pk: Thread(report=report, number=n) for n, report in enumerate(reports, start=1)}
    for message in case.messages.select_related("author"):
        thread = by_report.get(message.report_id)
        if thread is not None:
            thread.messages.append(message)
    for thread in by_report.values():
        report = thread.report
        signal = getattr(report, "signal", None)
        thread.language = _reply_language(report, (signal.language, signal.language_confidence) if signal else None)
        if thread.language in TWO_SCRIPT_LANGUAGES:
            inbound = [m.body for m in thread.messages if m.direction == Direction.INBOUND][-3:]
            thread.script = script_of([report.narrative, *inbound])
    threads = list(by_report.values())
    current = max(threads, key=lambda t: t.last_inbound, default=None)
    form = ChatReplyForm(
        initial={"report": current.report.pk if current else None, "language": current.language if current else ""}
    )
    canned = [
        {
            "id": reply.pk,
            "language": reply.language,
            "title": reply.title,
            "body": reply.body,
            "harm": reply.harm_id is not None,
        }
        for reply in CannedReply.objects.filter(Q(harm=case.harm_id) | Q(harm__isnull=True), active=True).order_by(
            F("harm").asc(nulls_last=True), "title"
        )
    ]
    languages = [{"code": code, "name": str(name)} for code, name in settings.LANGUAGES]
    return Panel(threads=threads, current=current, form=form, canned=canned, languages=languages)
