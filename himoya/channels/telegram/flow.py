"""The conversation: what the bot does with each update, given where the chat is.

``handle`` runs inside the transaction that marks the update handled (see
``inbound.process_chat``), with the chat row locked. It changes the chat's state and
draft, files reports and messages through the platform's actions, and queues what to
say in the outbox; nothing here talks to Telegram directly.

Buttons carry short codes: ``lang:uz``, ``m:report`` (menu entries), ``harm:<code>``,
``story:done``, ``age:<group>``, ``reg:<code>|skip``, ``ok:send|again``, ``adv:<code>``,
``st:mine|code``, ``del:yes|no``, ``menu``. A tap on a step's button is honoured only while
the chat is at that step; an old keyboard further up the chat just says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from telegram import Update

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.models import STATUS_FOR_REPORTER, Status
from himoya.channels.telegram import actions, advice, texts
from himoya.channels.telegram.models import DraftPicture, State, TelegramChat
from himoya.channels.telegram.outbox import Calls, send_orphan
from himoya.conversations.actions import receive_message
from himoya.reference.models import HarmCategory, Region
from himoya.reports.lookup import TooManyAttempts, lookup_report
from himoya.reports.models import AgeGroup, Channel
from himoya.reports.validation import CheckedImage, check_count, clean_links, clean_text

logger = logging.getLogger(__name__)

STEP_STATES = {
    "harm": State.REPORT_HARM,
    "story": State.REPORT_STORY,
    "age": State.REPORT_AGE,
    "reg": State.REPORT_REGION,
    "ok": State.REPORT_CONFIRM,
    "del": State.DELETE_CONFIRM,
}


@dataclass
class Turn:
    """One update being handled: the chat, what came in, and what we will say."""

    chat: TelegramChat
    update: Update
    picture: CheckedImage | ValidationError | None
    calls: Calls = field(init=False)
    answer_text: str | None = None
    erased: bool = False

    def __post_init__(self):
        self.calls = Calls(self.chat)

    @property
    def query(self):
        return self.update.callback_query

    @property
    def message(self):
        return self.update.message

    def show(self, text: str, keyboard=None) -> None:
        """Answer a tap by changing the tapped message; anything else with a new message."""
        tapped = self.query.message if self.query else None
        if tapped is not None and tapped.message_id:
            self.calls.edit(tapped.message_id, text, keyboard)
        else:
            self.calls.send(text, keyboard)

    def send(self, text: str, keyboard=None) -> None:
        self.calls.send(text, keyboard)

    def finish(self) -> None:
        if self.query is not None:
            # Stop the button's spinner first; the rest follows in order.
            answer = Calls(self.chat)
            answer.answer(self.query.id, self.answer_text)
            self.calls.rows[:0] = answer.rows
        if self.erased:
            return
        # Not sending_until: the outbox's lease is another worker's business.
        self.chat.save(update_fields=["language", "state", "draft", "report", "blocked_at", "updated_at"])
        self.calls.save()


def handle(chat: TelegramChat, data: dict, picture=None) -> None:
    try:
        update = Update.de_json(data, None)
    except (TypeError, ValueError, KeyError):
        # A shape python-telegram-bot cannot read (a newer Bot API?): nothing we can answer.
        logger.warning("telegram update could not be read", extra={"chat": chat.pk})
        return
    turn = Turn(chat=chat, update=update, picture=picture)
    if update.my_chat_member is not None:
        status = update.my_chat_member.new_chat_member.status
        chat.blocked_at = timezone.now() if status == "kicked" else None
        chat.save(update_fields=["blocked_at", "updated_at"])
        return
    chat.blocked_at = None  # they wrote to us, so they have not blocked the bot
    with translation.override(chat.language or settings.LANGUAGE_CODE):
        if turn.query is not None:
            _on_tap(turn, turn.query.data or "")
        elif turn.message is not None:
            _on_message(turn)
        turn.finish()


def apologise(chat: TelegramChat) -> None:
    """Something failed while handling an update (it is logged): say so, in the chat's language."""
    with translation.override(chat.language or settings.LANGUAGE_CODE):
        calls = Calls(chat)
        calls.send(_("Sorry, something went wrong on our side. Please try again."), _menu_keyboard())
        calls.save()


# --- Keyboards ---------------------------------------------------------------------------------


def _button(label, data: str) -> list:
    return [str(label), data]


def _menu_keyboard() -> list:
    return [
        [_button(f"📝 {texts.REPORT}", "m:report")],
        [_button(f"🆘 {texts.LIVE}", "m:live")],
        [_button(f"💡 {texts.ADVICE}", "m:advice"), _button(f"🔎 {texts.STATUS}", "m:status")],
        [_button(f"🌐 {texts.LANGUAGE}", "m:lang"), _button(f"🗑 {texts.DELETE}", "m:delete")],
    ]


def _back_row() -> list:
    return [_button(f"⬅️ {texts.BACK}", "menu")]


def _cancel_row() -> list:
    return [_button(f"✖️ {texts.CANCEL}", "menu")]


# --- Steps: each shows itself and sets the state --------------------------------------------------


def show_language(turn: Turn) -> None:
    turn.chat.state = State.LANGUAGE
    rows = [[_button(texts.language_name(code), f"lang:{code}")] for code, _name in settings.LANGUAGES]
    turn.show(texts.choose_language(), rows)


def show_menu(turn: Turn, intro: str | None = None) -> None:
    turn.chat.state = State.MENU
    _drop_draft(turn.chat)
    text = "\n\n".join(part for part in (intro, texts.menu_question()) if part)
    turn.show(text, _menu_keyboard())


def _drop_draft(chat: TelegramChat, new: dict | None = None) -> None:
    """Forget the report being composed (its pictures too), optionally starting a new one."""
    if chat.draft is not None:
        DraftPicture.objects.filter(chat=chat).delete()
    chat.set_draft(new)


def show_harms(turn: Turn) -> None:
    turn.chat.state = State.REPORT_HARM
    harms = list(HarmCategory.objects.filter(active=True))
    lines = [_("What happened? Choose what fits best.")]
    rows = []
    for number, harm in enumerate(harms, start=1):
        words = harm.in_child_words()
        lines.append(f"{number}. {words}")
        rows.append([_button(f"{number}. {words}", f"harm:{harm.code}")])
    rows.append(_cancel_row())
    turn.show("\n".join(lines), rows)


def _story_keyboard() -> list:
    return [[_button(f"✅ {texts.DONE}", "story:done")], _cancel_row()]


def show_story(turn: Turn) -> None:
    turn.chat.state = State.REPORT_STORY
    turn.show(
        "\n\n".join(
            [
                _("Tell us in your own words what happened. You can send several messages."),
                _("You can also send screenshots and links, or forward messages here. You do not have to give names."),
                _("When you have finished, tap “Done”."),
            ]
        ),
        _story_keyboard(),
    )


def show_ages(turn: Turn) -> None:
    turn.chat.state = State.REPORT_AGE
    rows = [[_button(label, f"age:{value}")] for value, label in AgeGroup.choices]
    rows.append(_cancel_row())
    turn.show(_("How old is the child this is about?"), rows)


def show_regions(turn: Turn) -> None:
    turn.chat.state = State.REPORT_REGION
    regions = list(Region.objects.filter(active=True))
    rows = [[_button(f"⏭ {texts.SKIP}", "reg:skip")]]
    for index in range(0, len(regions), 2):
        rows.append([_button(region.name(), f"reg:{region.code}") for region in regions[index : index + 2]])
    rows.append(_cancel_row())
    turn.show(_("Where do you live? It helps us find help near you. You can skip this."), rows)


def show_summary(turn: Turn) -> None:
    turn.chat.state = State.REPORT_CONFIRM
    draft = turn.chat.get_draft()
    harm = HarmCategory.objects.filter(code=draft.get("harm") or "").first()
    region = Region.objects.filter(code=draft.get("region") or "").first()
    story = "\n\n".join(draft.get("parts", []))
    preview = story if len(story) <= 300 else story[:300].rstrip() + "…"
    pictures = DraftPicture.objects.filter(chat=turn.chat).count()
    lines = [
        _("Please check your report before you send it."),
        "",
        _("What happened: %(harm)s") % {"harm": harm.in_child_words() if harm else "—"},
        _("In your words: %(story)s") % {"story": preview},
        _("Pictures: %(count)s") % {"count": pictures},
        _("Links: %(count)s") % {"count": len(draft.get("links", []))},
        _("Age: %(age)s") % {"age": AgeGroup(draft.get("age", AgeGroup.UNKNOWN)).label},
        _("Region: %(region)s") % {"region": region.name() if region else "—"},
    ]
    rows = [
        [_button(f"✅ {texts.SEND}", "ok:send")],
        [_button(f"✏️ {texts.START_AGAIN}", "ok:again"), _button(f"✖️ {texts.CANCEL}", "menu")],
    ]
    turn.show("\n".join(lines), rows)


def show_delete_confirm(turn: Turn) -> None:
    turn.chat.state = State.DELETE_CONFIRM
    turn.show(
        "\n\n".join(
            [
                _(
                    "This deletes the link between this Telegram account and your reports, your language "
                    "choice, anything you have not sent yet, and any contact details you gave us. After "
                    "that we cannot answer you here."
                ),
                _what_stays(),
                _("Do you want to delete your data?"),
            ]
        ),
        [[_button(f"🗑 {texts.YES_DELETE}", "del:yes")], [_button(f"⬅️ {texts.NO_KEEP}", "del:no")]],
    )


def _what_stays() -> str:
    return _(
        "What stays: your reports and messages, without anything that shows who you are, because the "
        "center must keep a record of the cases it handles. They are deleted when the law allows."
    )


def show_status_choice(turn: Turn) -> None:
    turn.chat.state = State.MENU
    rows = []
    if turn.chat.case_id is not None:
        rows.append([_button(f"📁 {texts.MY_CASE}", "st:mine")])
    rows.append([_button(f"🔑 {texts.TYPE_CODE}", "st:code")])
    rows.append(_back_row())
    turn.show(_("Which case do you want to check?"), rows)


def show_advice_list(turn: Turn) -> None:
    turn.chat.state = State.MENU
    rows = [[_button(harm.in_child_words(), f"adv:{harm.code}")] for harm in HarmCategory.objects.filter(active=True)]
    rows.append(_back_row())
    turn.show(_("What is it about? Choose a topic for advice."), rows)


STEP_VIEWS = {
    State.NEW: show_language,
    State.LANGUAGE: show_language,
    State.MENU: show_menu,
    State.REPORT_HARM: show_harms,
    State.REPORT_STORY: show_story,
    State.REPORT_AGE: show_ages,
    State.REPORT_REGION: show_regions,
    State.REPORT_CONFIRM: show_summary,
    State.DELETE_CONFIRM: show_delete_confirm,
}


# --- Taps ------------------------------------------------------------------------------------------


def _on_tap(turn: Turn, data: str) -> None:
    chat = turn.chat
    name, _sep, arg = data.partition(":")
    if name == "lang" and arg in dict(settings.LANGUAGES):
        chat.language = arg
        with translation.override(arg):
            show_menu(turn, intro=texts.welcome())
        return
    if not chat.language:
        show_language(turn)
        return
    if name in STEP_STATES and chat.state != STEP_STATES[name]:
        turn.answer_text = _("This button is no longer active.")
        return
    handler = TAPS.get(name)
    if handler is None:
        turn.answer_text = _("This button is no longer active.")
        return
    handler(turn, arg)


def _tap_menu_entry(turn: Turn, arg: str) -> None:
    if arg == "report":
        _drop_draft(turn.chat, {"parts": [], "links": []})
        show_harms(turn)
    elif arg == "live":
        _start_live(turn)
    elif arg == "advice":
        show_advice_list(turn)
    elif arg == "status":
        show_status_choice(turn)
    elif arg == "lang":
        show_language(turn)
    elif arg == "delete":
        show_delete_confirm(turn)
    else:
        show_menu(turn)


def _tap_back(turn: Turn, arg: str) -> None:
    show_menu(turn)


def _tap_harm(turn: Turn, code: str) -> None:
    if not HarmCategory.objects.filter(code=code, active=True).exists():
        show_harms(turn)
        return
    draft = turn.chat.get_draft() or {"parts": [], "links": []}
    draft["harm"] = code
    turn.chat.set_draft(draft)
    show_story(turn)


def _tap_story(turn: Turn, arg: str) -> None:
    draft = turn.chat.get_draft()
    if not draft.get("parts"):
        turn.send(_("Please write a few words about what happened first."), _story_keyboard())
        return
    show_ages(turn)


def _tap_age(turn: Turn, value: str) -> None:
    draft = turn.chat.get_draft()
    draft["age"] = value if value in AgeGroup.values else AgeGroup.UNKNOWN
    turn.chat.set_draft(draft)
    show_regions(turn)


def _tap_region(turn: Turn, code: str) -> None:
    draft = turn.chat.get_draft()
    draft["region"] = code if code != "skip" and Region.objects.filter(code=code, active=True).exists() else None
    turn.chat.set_draft(draft)
    show_summary(turn)


def _tap_confirm(turn: Turn, arg: str) -> None:
    if arg == "again":
        _drop_draft(turn.chat, {"parts": [], "links": []})
        show_harms(turn)
        return
    if arg != "send":
        show_summary(turn)
        return
    try:
        submission = actions.file_draft(turn.chat)
    except ValidationError as exc:
        turn.send(" ".join(exc.messages))
        show_story(turn)
        return
    turn.show(
        "\n\n".join(
            [
                _("Thank you for telling us. Your report has reached the center."),
                _(
                    "What happens next: someone from the center will read it and answer you here, in this "
                    "chat. You can add more at any time: just write here."
                ),
            ]
        )
    )
    _send_code(turn, submission.code)
    suggestions = advice.after_report(submission.report)
    if suggestions:
        turn.send(suggestions)
    turn.send(texts.menu_question(), _menu_keyboard())


def _send_code(turn: Turn, code: str) -> None:
    turn.send(
        "\n\n".join(
            [
                _("Your case code:"),
                code,
                _("Keep it secret and safe. With it you can check your case here or on our website."),
            ]
        )
    )


def _tap_status(turn: Turn, arg: str) -> None:
    if arg == "code":
        turn.chat.state = State.STATUS_CODE
        turn.show(_("Please send your case code. It looks like this: K7MZ-9QXD-PR4H-WT2C."), [_back_row()])
        return
    case = turn.chat.case
    if case is None:
        show_status_choice(turn)
        return
    _show_case_status(turn, case)


def _show_case_status(turn: Turn, case) -> None:
    log(Action.CASE_STATUS_VIEWED, label="reporter", case=case, channel=Channel.TELEGRAM)
    turn.chat.state = State.MENU
    turn.show(str(STATUS_FOR_REPORTER[Status(case.status)]), _menu_keyboard())


def _tap_advice(turn: Turn, code: str) -> None:
    harm = HarmCategory.objects.filter(code=code, active=True).first()
    if harm is None:
        show_advice_list(turn)
        return
    lines = [harm.in_child_words(), texts.advice(harm.code)]
    for title, url in advice.articles(harm.code, turn.chat.language):
        lines.append(f"📖 {title}\n{url}")
    rows = [
        [_button(f"📝 {texts.REPORT_THIS}", "m:report")],
        [_button(f"⬅️ {texts.ADVICE}", "m:advice"), _button(texts.BACK, "menu")],
    ]
    turn.show("\n\n".join(lines), rows)


def _tap_delete(turn: Turn, arg: str) -> None:
    if arg != "yes":
        show_menu(turn)
        return
    chat_id = int(turn.chat.chat_id)
    language = turn.chat.language
    actions.erase_chat(turn.chat)
    turn.erased = True
    with translation.override(language):
        goodbye = "\n\n".join(
            [
                _("Done. We have deleted the link between this chat and your reports, and your contact details."),
                _what_stays(),
                _("If you write to the bot again, it will start afresh."),
            ]
        )
    send_orphan(chat_id, goodbye)


TAPS = {
    "m": _tap_menu_entry,
    "menu": _tap_back,
    "harm": _tap_harm,
    "story": _tap_story,
    "age": _tap_age,
    "reg": _tap_region,
    "ok": _tap_confirm,
    "st": _tap_status,
    "adv": _tap_advice,
    "del": _tap_delete,
}


# --- Messages --------------------------------------------------------------------------------------


def _command(message) -> str | None:
    text = message.text or ""
    if not text.startswith("/"):
        return None
    return text.split()[0][1:].split("@")[0].lower()


def _on_message(turn: Turn) -> None:
    chat, message = turn.chat, turn.message
    command = _command(message)
    if not chat.language:
        show_language(turn)
        return
    if command is not None:
        _on_command(turn, command)
        return
    if chat.state == State.REPORT_STORY:
        _add_to_story(turn)
    elif chat.state == State.LIVE:
        _live_message(turn)
    elif chat.state == State.STATUS_CODE:
        _status_code(turn)
    elif chat.state == State.MENU and chat.case_id is not None:
        _conversation_message(turn)
    elif chat.state in STEP_VIEWS and chat.state != State.MENU:
        turn.send(_("Please tap one of the buttons."))
        STEP_VIEWS[chat.state](turn)
    else:
        show_menu(turn)


def _on_command(turn: Turn, command: str) -> None:
    if command in ("start", "help", "menu"):
        show_menu(turn, intro=texts.welcome() if command != "menu" else None)
    elif command == "language":
        show_language(turn)
    elif command == "report":
        _tap_menu_entry(turn, "report")
    elif command == "status":
        show_status_choice(turn)
    elif command == "delete":
        show_delete_confirm(turn)
    else:
        show_menu(turn)


def _text_of(message) -> str:
    text = message.text or message.caption or ""
    return clean_text(text, max_chars=settings.NARRATIVE_MAX_CHARS, required=False)


def _links_in(message) -> list[str]:
    found = []
    entities = message.parse_entities(["url", "text_link"]) if message.text else {}
    if message.caption:
        entities = message.parse_caption_entities(["url", "text_link"])
    for entity, text in entities.items():
        found.append(entity.url if entity.type == "text_link" else text)
    origin = message.forward_origin
    if origin is not None and origin.type == "channel" and origin.chat.username:
        found.append(f"https://t.me/{origin.chat.username}/{origin.message_id}")
    links = []
    for candidate in found:
        try:
            links.extend(clean_links([candidate]))
        except ValidationError:
            continue  # not a web address we accept; it stays in the text
    return links


def _forward_header(message) -> str | None:
    """Who a forwarded message came from and when, as Telegram tells it."""
    origin = message.forward_origin
    if origin is None:
        return None
    if origin.type == "user":
        user = origin.sender_user
        who = user.full_name
        if user.username:
            who += f" (@{user.username})"
        who += f" [Telegram id {user.id}]"
    elif origin.type == "hidden_user":
        who = _("%(name)s (hidden account)") % {"name": origin.sender_user_name}
    else:
        source = origin.sender_chat if origin.type == "chat" else origin.chat
        who = source.title or ""
        if source.username:
            who += f" (@{source.username})"
        who += f" [Telegram id {source.id}]"
        if origin.author_signature:
            who += f", {origin.author_signature}"
    when = origin.date.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _("Forwarded message from %(who)s, first sent %(when)s:") % {"who": who, "when": when}


UNSUPPORTED = ("voice", "video", "video_note", "audio", "sticker", "animation", "contact", "location", "poll")


def _add_to_story(turn: Turn) -> None:
    chat, message = turn.chat, turn.message
    draft = chat.get_draft() or {"parts": [], "links": []}
    try:
        text = _text_of(message)
    except ValidationError as exc:
        turn.send(" ".join(exc.messages), _story_keyboard())
        return
    header = _forward_header(message)
    part = "\n".join(piece for piece in (header, text) if piece)
    said = []
    if part:
        story = "\n\n".join([*draft["parts"], part])
        if len(story) > settings.NARRATIVE_MAX_CHARS:
            turn.send(_("Your story is already very long. Please tap “Done” to send it."), _story_keyboard())
            return
        draft["parts"].append(part)
        said.append("text")
    new_links = [link for link in _links_in(message) if link not in draft["links"]]
    room = settings.LINKS_MAX - len(draft["links"])
    draft["links"].extend(new_links[: max(room, 0)])
    if _has_picture(message):
        if isinstance(turn.picture, CheckedImage):
            try:
                check_count(DraftPicture.objects.filter(chat=chat).count() + 1)
            except ValidationError as exc:
                turn.send(" ".join(exc.messages), _story_keyboard())
            else:
                DraftPicture.objects.create(
                    chat=chat,
                    content_type=turn.picture.content_type,
                    width=turn.picture.width,
                    height=turn.picture.height,
                    data=turn.picture.data,
                )
                said.append("picture")
        elif isinstance(turn.picture, ValidationError):
            turn.send(" ".join(turn.picture.messages), _story_keyboard())
        else:
            turn.send(_("We could not get this picture. Please try sending it again."), _story_keyboard())
    elif any(getattr(message, kind, None) for kind in UNSUPPORTED) or (message.document and not said):
        turn.send(
            _("We can only take text, links and pictures. Please write it down or send a screenshot."),
            _story_keyboard(),
        )
    chat.set_draft(draft)
    if "picture" in said:
        turn.send(_("Picture added. Send more, or tap “Done” when you have finished."), _story_keyboard())
    elif said:
        turn.send(_("Got it. Send more, or tap “Done” when you have finished."), _story_keyboard())


def _has_picture(message) -> bool:
    document = message.document
    return bool(message.photo) or bool(document and (document.mime_type or "").startswith("image/"))


def _start_live(turn: Turn) -> None:
    chat = turn.chat
    chat.state = State.LIVE
    case = actions.open_case_of(chat)
    _drop_draft(chat, {"live": case is None})
    lines = [
        _("Write here what is happening. Someone from the center will answer you in this chat as soon as they can.")
        if case is None
        else _("Write your message here. The person looking after your case will answer you in this chat."),
        _("If you are in danger right now, call %(number)s.") % {"number": texts.EMERGENCY_NUMBER},
    ]
    turn.show("\n\n".join(lines), [_back_row()])


def _live_message(turn: Turn) -> None:
    chat, message = turn.chat, turn.message
    if _has_picture(message) or any(getattr(message, kind, None) for kind in UNSUPPORTED):
        turn.send(
            _("Here we can only take text. To send screenshots, go back to the menu and tap “Tell us what happened”."),
            [_back_row()],
        )
        if not (message.caption or message.text):
            return
    try:
        text = clean_text(_text_of(message), max_chars=settings.MESSAGE_MAX_CHARS)
    except ValidationError as exc:
        turn.send(" ".join(exc.messages))
        return
    header = _forward_header(message)
    if header:
        text = f"{header}\n{text}"
    draft = chat.get_draft()
    if draft.get("live") or chat.case_id is None:
        submission = actions.open_live_case(chat, text)
        chat.set_draft(None)
        turn.send(_("Thank you. Someone from the center will answer you here soon."))
        _send_code(turn, submission.code)
        return
    receive_message(chat.report, text, Channel.TELEGRAM)


def _conversation_message(turn: Turn) -> None:
    """At the menu, writing to the case they follow: it goes to the person handling it."""
    message = turn.message
    if _has_picture(message) or not (message.text or message.caption):
        turn.send(
            _("Here we can only take text. To send screenshots, go back to the menu and tap “Tell us what happened”."),
            _menu_keyboard(),
        )
        return
    try:
        text = clean_text(_text_of(message), max_chars=settings.MESSAGE_MAX_CHARS)
    except ValidationError as exc:
        turn.send(" ".join(exc.messages))
        return
    header = _forward_header(message)
    receive_message(turn.chat.report, f"{header}\n{text}" if header else text, Channel.TELEGRAM)


def _status_code(turn: Turn) -> None:
    chat, message = turn.chat, turn.message
    # The code is a secret: take it out of the chat's history.
    turn.calls.delete(message.message_id)
    chat.state = State.MENU
    try:
        report = lookup_report(message.text or "", f"telegram:{chat.key}")
    except TooManyAttempts:
        turn.send(_("Too many tries. Please wait an hour and try again."), _menu_keyboard())
        return
    if report is None:
        turn.send(
            _("We could not find a case with this code. Please check it and try again."),
            [[_button(f"🔑 {texts.TYPE_CODE}", "st:code")], _back_row()],
        )
        return
    _show_case_status(turn, report.case)
