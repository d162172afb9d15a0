"""WebSockets of awareness sessions.

* ``ws/awareness/join/<code>/`` — a pupil's phone. Identified by the participant cookie set
  when joining (no account, nothing else). Sends answers, questions and up-votes; receives
  the activity on screen and the approved questions. Protocol: docs/awareness.md.
* ``ws/awareness/screen/<projector key>/`` — the projector view (no sign-in: the key is
  the secret). Receives tallies, the number of participants and approved questions.
* ``ws/awareness/present/<session id>/`` — the presenter's view: the same, for a signed-in,
  two-factor-verified trainer who may run the session.

Close codes: 4403 not allowed (unknown code, no participant cookie, not staff), 4410 the
session has ended.
"""

from __future__ import annotations

import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation

from himoya.awareness import actions, live
from himoya.awareness.access import (
    cookie_name,
    get_session_for_user,
    normalise_code,
    participant_for,
    session_by_projector_key,
)
from himoya.awareness.messages import refusal_message
from himoya.awareness.models import AwarenessSession, Question, SessionStatus
from himoya.awareness.plans import MAX_OPTIONS

logger = logging.getLogger(__name__)

FORBIDDEN = 4403
GONE = 4410


async def _leave(consumer) -> None:
    """Leave the group, best effort: when a whole class drops at once the channel layer may
    be too busy, and a membership left behind only expires later (group expiry)."""
    if not hasattr(consumer, "group"):
        return
    try:
        await consumer.channel_layer.group_discard(consumer.group, consumer.channel_name)
    except Exception:  # noqa: BLE001 - the socket is gone either way
        logger.warning("awareness: could not leave a group on disconnect", exc_info=True)


class _RateLimit:
    """A token bucket: ``rate`` messages a second, bursts up to ``burst``."""

    def __init__(self, rate: float = 5.0, burst: float = 20.0):
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _participant_for_socket(code: str, cookies: dict):
    """(participant with its session, or None, and whether the session has ended)."""
    code = normalise_code(code)
    session = AwarenessSession.objects.filter(join_code=code).first() if code else None
    if session is None:
        return None, False
    if session.status == SessionStatus.ENDED:
        return None, True
    participant = participant_for(session, cookies.get(cookie_name(session)))
    if participant is not None:
        participant.session = session
    return participant, False


def _ints(values, limit: int) -> tuple[int, ...]:
    if not isinstance(values, list):
        return ()
    out = []
    for value in values[:limit]:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not a whole number")
        out.append(value)
    return tuple(out)


class ParticipantConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        code = self.scope["url_route"]["kwargs"]["code"]
        participant, ended = await database_sync_to_async(_participant_for_socket)(code, self.scope.get("cookies", {}))
        if participant is None:
            await self.close(code=GONE if ended else FORBIDDEN)
            return
        self.participant = participant
        self.group = live.participants_group(participant.session_id)
        self.limit = _RateLimit()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await _leave(self)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        ref = content.get("ref")
        if not self.limit.allow():
            reply = {"type": "error", "ok": False, "error": "slow_down"}
        elif content.get("action") == "vote":
            reply = await self._vote(content)
        else:
            reply = await database_sync_to_async(self._handle)(content)
        if isinstance(ref, (str, int)) and not isinstance(ref, bool) and len(str(ref)) <= 40:
            reply["ref"] = ref
        await self.send_json(reply)

    async def _vote(self, content: dict) -> dict:
        """Answers go through this process's batcher: one transaction for all that arrive together."""
        reply = {"type": "voted", "activity": content.get("activity")}
        try:
            activity_id = content.get("activity")
            if isinstance(activity_id, bool) or not isinstance(activity_id, int):
                raise ValueError("activity")
            value = content.get("value")
            words = content.get("words", [])
            answer = actions.Answer(
                choices=_ints(content.get("choices", []), MAX_OPTIONS),
                value=value if isinstance(value, int) and not isinstance(value, bool) else None,
                words=tuple(str(w)[:100] for w in words[:10]) if isinstance(words, list) else (),
            )
        except (TypeError, ValueError):
            result = actions.Refused(actions.INVALID)
        else:
            result = await live.batcher().submit(self.participant, activity_id, answer)
        if not isinstance(result, actions.Refused):
            return {**reply, "ok": True}
        with translation.override(self.participant.session.language):
            return {**reply, "ok": False, "error": result.code, "message": str(refusal_message(result.code))}

    def _handle(self, content: dict) -> dict:
        action = content.get("action")
        session = self.participant.session
        try:
            if action == "ask":
                reply = {"type": "asked"}
                session.refresh_from_db(fields=["status", "qa_enabled", "qa_moderated"])
                question = actions.ask_question(self.participant, str(content.get("text", ""))[:2000])
                return {**reply, "ok": True, "question": question.pk, "status": question.status}
            if action == "upvote":
                reply = {"type": "upvoted", "question": content.get("question")}
                session.refresh_from_db(fields=["status"])
                question = Question.objects.filter(pk=int(content.get("question")), session_id=session.pk).first()
                if question is None:
                    raise actions.Refused(actions.INVALID)
                added = actions.upvote_question(self.participant, question)
                return {**reply, "ok": True, "added": added}
            return {"type": "error", "ok": False, "error": actions.INVALID}
        except (TypeError, ValueError):
            code = actions.INVALID
        except actions.Refused as refused:
            code = refused.code
        with translation.override(session.language):
            return {**reply, "ok": False, "error": code, "message": str(refusal_message(code))}

    async def awareness_message(self, event):
        await self.send_json(event["payload"])


def _screen_state(session_id: int) -> list[dict]:
    """What a screen needs on connecting: participants, the tally on screen, questions."""
    session = AwarenessSession.objects.filter(pk=session_id).select_related("current_activity").first()
    if session is None:
        return []
    out = [live.people_payload(session_id)]
    if session.current_activity is not None:
        found = live.tally_payload(session.current_activity.pk)
        if found:
            out.append(found[1])
    out.append(live.questions_payloads(session_id)[0])
    return out


class _ScreenConsumer(AsyncJsonWebsocketConsumer):
    async def _join(self, session_id: int) -> None:
        self.group = live.screen_group(session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        for payload in await database_sync_to_async(_screen_state)(session_id):
            await self.send_json(payload)

    async def disconnect(self, code):
        await _leave(self)

    async def receive_json(self, content, **kwargs):
        pass  # screens only listen

    async def awareness_message(self, event):
        await self.send_json(event["payload"])


class ProjectorConsumer(_ScreenConsumer):
    async def connect(self):
        session = await database_sync_to_async(session_by_projector_key)(self.scope["url_route"]["kwargs"]["key"])
        if session is None:
            await self.close(code=FORBIDDEN)
            return
        await self._join(session.pk)


def _presenter_session(user, session, pk: int):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    verified = bool(session and session.get("otp_device_id"))
    if not (user and user.is_authenticated and user.is_active and verified):
        return None
    try:
        return get_session_for_user(user, pk)
    except (PermissionDenied, Http404):
        return None


class PresenterConsumer(_ScreenConsumer):
    async def connect(self):
        found = await database_sync_to_async(_presenter_session)(
            self.scope.get("user"), self.scope.get("session"), self.scope["url_route"]["kwargs"]["pk"]
        )
        if found is None:
            await self.close(code=FORBIDDEN)
            return
        await self._join(found.pk)
