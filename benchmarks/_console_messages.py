"""Live conversation: how long a message takes to reach the other side, with 50 conversations at once.

    .venv/bin/python benchmarks/_console_messages.py [--conversations 50] [--exchanges 6] [--think 2 6]

``measure_messages()`` is the message half of ``benchmarks/console.py``; run alone, this file
prints its figures and then one line of JSON, {"message_p99_ms_50_conversations": ...}.

The server is started as the embedded default runs in production (``manage.py start``: one
process, SQLite, in-memory channel layer, task worker in a thread) on a fresh data directory.
A helper process (the app's own actions, as intake would) files one web report per
conversation, gives each reporter a session that opened their report and each of ten
operators a session signed in with both factors, and waits until the server's worker has
triaged the reports. Then, from this process, all at once:

* every reporter's page opens ``ws/conversation/`` and every case page ``ws/cases/<id>/chat/``
  (one per conversation, the operators sharing the cases between them);
* each conversation takes turns ``--exchanges`` times: the reporter writes for 2–6 seconds
  (``--think``; their page signals "typing" every few seconds meanwhile) and sends the
  message over their socket; once it is on the case page, the operator writes the same way
  and posts the reply to the reply endpoint over HTTP; the reporter's page reports the
  reply seen, as an open page does. Fifty such chats at once are a busy shift's worth.

A message's time is from just before it is sent (the socket frame, or the HTTP request) to
the moment the other side's socket delivers it, rendered; the p99 is over every message of
both directions. A message not delivered within ``--timeout`` seconds is counted as lost.
Everything a page sends and receives is what the real pages do; the triage of each
reporter message runs in the server's task worker meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import string
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import _common as common

OPERATORS = 10
TARGET_P99_MS = 1000.0
TYPING_EVERY = 3.0  # seconds between typing signals while someone writes, as the pages send them
HARMS = ["cyberbullying", "cyberstalking", "grooming", "scam", "hate_speech", "privacy"]


# --- Helper process: cases and sessions, through the app's own code ---------------------------------


def _django():
    sys.path.insert(0, str(common.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def internal_setup(conversations: str) -> None:
    _django()
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from himoya.accounts import roles
    from himoya.accounts.models import User
    from himoya.channels.web.views import SESSION_REPORT
    from himoya.reference.models import HarmCategory
    from himoya.reports.actions import NewReport, submit_report
    from himoya.reports.models import Channel

    operators = []
    for number in range(OPERATORS):
        user, _created = User.objects.get_or_create(username=f"bench-operator-{number}", defaults={"is_staff": True})
        user.groups.add(Group.objects.get(name=roles.OPERATOR))
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = SessionStore()
        session.update(
            {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
                DEVICE_ID_SESSION_KEY: device.persistent_id,
            }
        )
        session.create()
        operators.append(session.session_key)
    harms = {harm.code: harm for harm in HarmCategory.objects.filter(code__in=HARMS)}
    rows = []
    for number in range(int(conversations)):
        submission = submit_report(
            NewReport(
                channel=Channel.WEB,
                language="en",
                narrative=f"Benchmark conversation {number}: someone keeps writing to me in a group chat.",
                harm=harms[HARMS[number % len(HARMS)]],
            )
        )
        session = SessionStore()
        session[SESSION_REPORT] = submission.report.pk
        session.create()
        rows.append(
            {
                "case": submission.case.pk,
                "report": submission.report.pk,
                "reporter": session.session_key,
                "operator": operators[number % OPERATORS],
            }
        )
    # The reports' triage runs in the server's worker; start talking once it is done, as a
    # shift would meet cases that came in a little earlier.
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + 300
    while DBTaskResult.objects.ready().exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    print(json.dumps(rows))


# --- The pages: reporter and operator, over real sockets and HTTP --------------------------------------


@dataclass
class Sample:
    direction: str  # "to_operator" or "to_reporter"
    sent: float
    received: float | None = None


@dataclass
class Conversation:
    case: int
    report: int
    reporter: str  # session keys
    operator: str
    # What each side waits for: message marker -> future set to the time it was delivered.
    to_reporter: dict[str, asyncio.Future] = field(default_factory=dict)
    to_operator: dict[str, asyncio.Future] = field(default_factory=dict)


async def _post_reply(host: str, port: int, convo: Conversation, text: str, csrf: str) -> int:
    body = urlencode({"body": text, "language": "en", "report": convo.report}).encode()
    head = (
        f"POST /en/staff/conversations/cases/{convo.case}/reply/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Cookie: sessionid={convo.operator}; csrftoken={csrf}\r\nX-CSRFToken: {csrf}\r\n"
        f"Origin: http://{host}:{port}\r\nX-Requested-With: fetch\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head.encode() + body)
        raw = await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
    return int(raw.split(b" ", 2)[1])


async def _listen(ws, waiting: dict[str, asyncio.Future], on_delivery=None) -> None:
    """Hand each rendered message this side receives to whoever waits for its marker."""
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in ws:
            event = json.loads(raw)
            if event.get("type") != "message":
                continue
            now = time.perf_counter()
            for marker, waiter in list(waiting.items()):
                if marker in event["html"] and not waiter.done():
                    waiter.set_result(now)
                    if on_delivery is not None:
                        await on_delivery()
    except ConnectionClosed:
        pass


async def _converse(
    host: str, port: int, convo: Conversation, number: int, args, samples: list[Sample], failures: dict
) -> None:
    from websockets.asyncio.client import connect

    origin = f"http://{host}:{port}"
    rng = random.Random(number)
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    page = await connect(
        f"ws://{host}:{port}/ws/conversation/?lang=en",
        origin=origin,
        additional_headers={"Cookie": f"sessionid={convo.reporter}"},
        ping_interval=None,
        compression=None,
    )
    desk = await connect(
        f"ws://{host}:{port}/ws/cases/{convo.case}/chat/?lang=en",
        origin=origin,
        additional_headers={"Cookie": f"sessionid={convo.operator}"},
        ping_interval=None,
        compression=None,
    )

    async def seen():
        await page.send(json.dumps({"type": "seen"}))

    listeners = [
        asyncio.create_task(_listen(page, convo.to_reporter, on_delivery=seen)),
        asyncio.create_task(_listen(desk, convo.to_operator)),
    ]
    loop = asyncio.get_running_loop()

    async def deliver(direction: str, marker: str, send) -> None:
        waiting = getattr(convo, direction)
        waiter = loop.create_future()
        waiting[marker] = waiter
        sample = Sample(direction, time.perf_counter())
        samples.append(sample)
        try:
            await send()
            sample.received = await asyncio.wait_for(waiter, args.timeout)
        except TimeoutError:
            failures["lost"] = failures.get("lost", 0) + 1
        except Exception as exc:  # noqa: BLE001 - counted and shown; the other conversations go on
            failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
        finally:
            waiting.pop(marker, None)

    async def write(ws, typing: dict) -> None:
        """Someone writing a message: a few seconds, with the typing signal a page sends every few seconds."""
        remaining = rng.uniform(*args.think)
        while remaining > 0:
            await ws.send(json.dumps(typing))
            await asyncio.sleep(min(TYPING_EVERY, remaining))
            remaining -= TYPING_EVERY

    try:
        await asyncio.sleep(rng.uniform(0, args.think[1]))
        for turn in range(args.exchanges):
            question = f"bench-{number}-{turn}-q I am still getting messages from them, what should I do?"
            await write(page, {"type": "typing", "active": True})
            await deliver(
                "to_operator",
                f"bench-{number}-{turn}-q",
                lambda text=question, ref=turn: page.send(json.dumps({"type": "send", "body": text, "ref": ref})),
            )
            answer = f"bench-{number}-{turn}-a Do not answer them. Block the account and keep screenshots."
            await write(desk, {"type": "typing", "report": convo.report, "active": True})

            async def post(text=answer):
                status = await _post_reply(host, port, convo, text, csrf)
                if status != 201:
                    raise RuntimeError(f"reply answered HTTP {status}")

            await deliver("to_reporter", f"bench-{number}-{turn}-a", post)
    finally:
        for task in listeners:
            task.cancel()
        await page.close()
        await desk.close()


async def _drive(args, port: int, rows: list[dict]) -> tuple[list[Sample], dict]:
    conversations = [Conversation(**row) for row in rows]
    samples: list[Sample] = []
    failures: dict[str, int] = {}
    await asyncio.gather(
        *(
            _converse("127.0.0.1", port, convo, number, args, samples, failures)
            for number, convo in enumerate(conversations)
        )
    )
    return samples, failures


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIMOYA_", "DATABASE_URL", "REDIS_URL", "DJANGO_", "TELEGRAM_")) and k != "PYTHONPATH"
    }
    return env | {"HIMOYA_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings"}


def measure_messages(
    conversations: int = 50,
    exchanges: int = 6,
    think: tuple[float, float] = (2.0, 6.0),
    timeout: float = 10.0,
    keep: bool = False,
) -> float:
    """Run the conversations against a fresh embedded server; the p99 in ms of send → received, both ways.

    ``think``: seconds each message takes to write (uniform), the pace of a brisk chat.
    Lost messages count as infinitely slow, so more than 1% lost makes it infinite.
    """
    args = argparse.Namespace(conversations=conversations, exchanges=exchanges, think=think, timeout=timeout)
    work = common.temp_dir("himoya-bench-messages-")
    data_dir = common.temp_dir("himoya-bench-messages-data-")
    env = _env(data_dir)
    port = common.free_port()
    server = common.Service(
        "manage.py start",
        [common.PYTHON, "manage.py", "start", "--host", "127.0.0.1", "--port", str(port)],
        env,
        work / "server.log",
    )
    try:
        print(f"messages: `manage.py start` (SQLite, in-memory layer), {conversations} conversations", flush=True)
        server.start()
        boot = common.wait_healthy(server, "127.0.0.1", port)
        rows = json.loads(
            common.run([common.PYTHON, __file__, "_setup", str(conversations)], env, what="setup").splitlines()[-1]
        )
        print(f"  server ready in {boot:.1f} s; {len(rows)} cases filed, {OPERATORS} operators signed in", flush=True)
        pids = common.process_tree(server.proc.pid)
        cpu_before, load_before = common.cpu_seconds(pids), common.load_average()[0]
        started = time.monotonic()
        samples, failures = asyncio.run(_drive(args, port, rows))
        wall = time.monotonic() - started
        cpu = common.cpu_seconds(common.process_tree(server.proc.pid)) - cpu_before
        rss = common.rss_mb(common.process_tree(server.proc.pid))
    finally:
        server.stop()
        if keep:
            print(f"  kept: {data_dir} {work}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)
    delivered = [s for s in samples if s.received is not None]
    all_ms = [(s.received - s.sent) * 1000 for s in delivered]
    # A lost message counts as slower than any: more than 1% lost makes the p99 infinite.
    lost = [math.inf] * (len(samples) - len(delivered))
    for direction in ("to_operator", "to_reporter"):
        ms = [(s.received - s.sent) * 1000 for s in delivered if s.direction == direction]
        print(
            f"  {direction.replace('_', ' '):12} {len(ms)} delivered: p50 {_ms(common.percentile(ms, 50))}, "
            f"p99 {_ms(common.percentile(ms, 99))}, max {_ms(max(ms, default=None))}",
            flush=True,
        )
    p99 = common.percentile(all_ms + lost, 99)
    print(
        f"  all          {len(delivered)} of {len(samples)} delivered in {wall:.1f} s; p99 {_ms(p99)} "
        f"(target < {TARGET_P99_MS:.0f} ms); failures {failures or 'none'}",
        flush=True,
    )
    first = min((s.sent for s in samples), default=0.0)
    slow = common.slow_seconds([s.sent - first for s in delivered], all_ms, TARGET_P99_MS)
    if slow:
        # Many in one second is the whole server stalling; spread out, it is steady queueing.
        where = ", ".join(f"{count} in second {second}" for second, count in sorted(slow.items()))
        print(f"  over {TARGET_P99_MS:.0f} ms    {sum(slow.values())}: {where}", flush=True)
    print(
        f"  server CPU   {cpu:.1f} s = {cpu / max(wall, 1e-9):.2f} cores; RSS {rss:.0f} MiB; "
        f"load average {load_before:.2f} before, {common.load_average()[0]:.2f} after ({os.cpu_count()} CPUs)",
        flush=True,
    )
    return round(p99, 1) if p99 is not None else math.inf


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_setup":
        internal_setup(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--exchanges", type=int, default=6, help="messages each way per conversation")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"), help="seconds to write a message"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a message counts as lost")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and the server log")
    args = parser.parse_args()
    p99 = measure_messages(args.conversations, args.exchanges, tuple(args.think), args.timeout, args.keep)
    print(json.dumps({"message_p99_ms_50_conversations": p99 if math.isfinite(p99) else None}))


if __name__ == "__main__":
    main()
