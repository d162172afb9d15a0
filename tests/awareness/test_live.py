"""Live sessions over WebSockets: answers acknowledged and counted once, tallies pushed to
the screens (coalesced), activities pushed to the phones, and who may connect."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from himoya.awareness import actions
from himoya.awareness.access import cookie_name
from himoya.awareness.models import Vote
from tests.awareness.conftest import POLL, QA, RATING
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1")


def _socket(path: str, cookie: str = "") -> WebsocketCommunicator:
    headers = [ORIGIN] + ([(b"cookie", cookie.encode())] if cookie else [])
    return WebsocketCommunicator(application, path, headers=headers)


def _pupil_socket(session, token: str) -> WebsocketCommunicator:
    return _socket(f"/ws/awareness/join/{session.join_code}/", f"{cookie_name(session)}={token}")


def _projector(session) -> WebsocketCommunicator:
    return _socket(f"/ws/awareness/screen/{session.projector_key}/")


async def _next_of(socket: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict:
    while True:
        message = await socket.receive_json_from(timeout=timeout)
        if message.get("type") == kind:
            return message


async def _drain(socket: WebsocketCommunicator) -> list[dict]:
    out = []
    while not await socket.receive_nothing(timeout=0.3):
        out.append(await socket.receive_json_from())
    return out


def test_answers_over_the_socket_are_acknowledged_counted_once_and_reach_the_projector(
    shared_test_connection, make_session, trainer
):
    session = make_session(POLL)
    poll = actions.next_activity(session, trainer)
    pupils = [actions.join_session(session) for _ in range(3)]

    async def scenario():
        projector = _projector(session)
        assert (await projector.connect())[0]
        assert (await _next_of(projector, "people"))["count"] == 3
        sockets = []
        for (_participant, token), choice in zip(pupils, (0, 2, 2), strict=True):
            socket = _pupil_socket(session, token)
            assert (await socket.connect())[0]
            await socket.send_json_to({"action": "vote", "activity": poll.pk, "choices": [choice], "ref": "a1"})
            assert await socket.receive_json_from(timeout=5) == {
                "type": "voted",
                "activity": poll.pk,
                "ok": True,
                "ref": "a1",
            }
            sockets.append(socket)
        # The same answer sent again (a retry after a lost acknowledgement) counts once.
        await sockets[0].send_json_to({"action": "vote", "activity": poll.pk, "choices": [1], "ref": "a2"})
        again = await sockets[0].receive_json_from(timeout=5)
        assert (again["ok"], again["error"], again["ref"]) == (False, "already", "a2")
        assert "first answer counts" in again["message"]
        tally = {"total": 0}
        while tally["total"] < 3:
            tally = await _next_of(projector, "tally")
        assert tally["counts"] == [1, 0, 2] and tally["activity"] == poll.pk
        for socket in [projector, *sockets]:
            await socket.disconnect()

    asyncio.run(scenario())
    assert Vote.objects.count() == 3


def test_a_burst_of_answers_is_coalesced_into_a_few_tallies_and_none_is_lost(
    shared_test_connection, make_session, trainer, settings
):
    settings.AWARENESS_LIVE_INTERVAL_MS = 200
    session = make_session(RATING)
    rating = actions.next_activity(session, trainer)
    tokens = [actions.join_session(session)[1] for _ in range(30)]

    async def scenario():
        projector = _projector(session)
        await projector.connect()
        await _drain(projector)
        sockets = [_pupil_socket(session, token) for token in tokens]
        for socket in sockets:
            assert (await socket.connect())[0]
        for n, socket in enumerate(sockets):
            await socket.send_json_to({"action": "vote", "activity": rating.pk, "value": 1 + n % 5})
        for socket in sockets:
            assert (await socket.receive_json_from(timeout=10))["ok"]
        await asyncio.sleep(0.5)
        tallies = [m for m in await _drain(projector) if m["type"] == "tally"]
        assert tallies[-1]["total"] == 30 and tallies[-1]["counts"] == [6, 6, 6, 6, 6]
        assert tallies[-1]["average"] == 3.0
        assert len(tallies) < 15  # 30 answers, far fewer messages
        for socket in [projector, *sockets]:
            await socket.disconnect()

    asyncio.run(scenario())


def test_a_new_activity_is_pushed_to_the_phones_and_the_screens(shared_test_connection, make_session, trainer):
    session = make_session(POLL, RATING)
    participant, token = actions.join_session(session)

    async def scenario():
        phone = _pupil_socket(session, token)
        assert (await phone.connect())[0]
        projector = _projector(session)
        await projector.connect()
        await _drain(projector)
        poll = await sync_to_async(actions.next_activity)(session, trainer)
        pushed = await _next_of(phone, "activity")
        assert pushed["activity"] == poll.pk and pushed["state"] == "open"
        assert 'name="choice"' in pushed["html"] and "Which app do you use most?" in pushed["html"]
        assert (await _next_of(projector, "activity"))["activity"] == poll.pk
        await sync_to_async(actions.cast_vote)(participant, poll, actions.Answer(choices=(1,)))
        await sync_to_async(actions.close_activity)(poll, trainer)
        closed = await _next_of(phone, "activity")
        assert closed["state"] == "closed" and "<progress" in closed["html"]
        await phone.disconnect()
        await projector.disconnect()

    asyncio.run(scenario())


def test_questions_and_upvotes_over_the_socket(shared_test_connection, make_session, trainer):
    session = make_session(QA, qa_moderated=False)
    (_asker, asker_token), (_voter, voter_token) = actions.join_session(session), actions.join_session(session)

    async def scenario():
        asker = _pupil_socket(session, asker_token)
        voter = _pupil_socket(session, voter_token)
        await asker.connect()
        await voter.connect()
        await asker.send_json_to({"action": "ask", "text": "Can I get my account back after it is hacked?"})
        reply = await _next_of(asker, "asked")
        assert reply["ok"] and reply["status"] == "approved"
        listed = await _next_of(voter, "questions")
        assert [q["text"] for q in listed["items"]] == ["Can I get my account back after it is hacked?"]
        question = listed["items"][0]["id"]
        await voter.send_json_to({"action": "upvote", "question": question})
        assert (await _next_of(voter, "upvoted"))["added"] is True
        while (await _next_of(voter, "questions"))["items"][0]["votes"] != 1:
            pass
        await asker.send_json_to({"action": "ask", "text": "my number is +998 90 123 45 67"})
        held = await _next_of(asker, "asked")
        assert held["status"] == "pending"
        await asker.disconnect()
        await voter.disconnect()

    asyncio.run(scenario())


def test_garbage_and_floods_are_answered_not_crashed_on(shared_test_connection, make_session, trainer):
    session = make_session(POLL)
    poll = actions.next_activity(session, trainer)
    _participant, token = actions.join_session(session)

    async def scenario():
        phone = _pupil_socket(session, token)
        await phone.connect()
        for bad in (
            {"action": "vote", "activity": "x"},
            {"action": "vote", "activity": poll.pk, "choices": ["0"]},
            {"action": "vote", "activity": poll.pk, "choices": [True]},
            {"action": "vote", "activity": 10**9, "choices": [0]},
            {"action": "fly"},
        ):
            await phone.send_json_to(bad)
            reply = await phone.receive_json_from(timeout=5)
            assert reply["ok"] is False and reply["error"] == "invalid", bad
        await phone.send_json_to([1, 2, 3])
        assert await phone.receive_nothing(timeout=0.2)
        replies = []
        for _ in range(40):
            await phone.send_json_to({"action": "fly"})
        for _ in range(40):
            replies.append((await phone.receive_json_from(timeout=5))["error"])
        assert "slow_down" in replies
        await phone.disconnect()

    asyncio.run(scenario())
    assert not Vote.objects.exists()


def test_who_may_connect(shared_test_connection, make_session, trainer, trainer2, reference):
    session = make_session(POLL)
    _participant, token = actions.join_session(session)
    trainer_cookie = f"{settings.SESSION_COOKIE_NAME}={verified_client(trainer).session.session_key}"
    other_cookie = f"{settings.SESSION_COOKIE_NAME}={verified_client(trainer2).session.session_key}"

    async def connects(socket) -> tuple[bool, int | None]:
        connected, code = await socket.connect()
        if connected:
            await socket.disconnect()
        return connected, code

    async def scenario():
        assert await connects(_pupil_socket(session, token)) == (True, None)
        assert await connects(_socket(f"/ws/awareness/join/{session.join_code}/")) == (False, 4403)
        assert await connects(_pupil_socket(session, "forged")) == (False, 4403)
        assert await connects(_socket("/ws/awareness/screen/wrong-key/")) == (False, 4403)
        assert await connects(_socket(f"/ws/awareness/present/{session.pk}/", trainer_cookie)) == (True, None)
        assert await connects(_socket(f"/ws/awareness/present/{session.pk}/", other_cookie)) == (False, 4403)
        assert await connects(_socket(f"/ws/awareness/present/{session.pk}/")) == (False, 4403)
        await sync_to_async(actions.end_session)(session, trainer)
        assert await connects(_pupil_socket(session, token)) == (False, 4410)

    asyncio.run(scenario())
