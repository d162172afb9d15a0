"""Telegram bot under load: many people reporting and chatting at once, through a fake Bot API.

    python benchmarks/telegram.py [--users 200] [--max-seconds 240]

What runs: the platform as ``bin/run`` runs it (``manage.py start``: web server, task worker
and the bot by long polling, in one process, SQLite by default; set ``DATABASE_URL`` and
``REDIS_URL`` to measure PostgreSQL and Redis), pointed at a fake Telegram Bot API served
by this process on loopback (``himoya.channels.telegram.fake_api``). An "operator" process
answers every message people write in their case, through ``send_reply`` as the console does.

Each simulated person, all starting within the first second, with 0-100 ms of "thinking"
after each answer (``--think-ms``): /start, picks a language, reports (harm, two messages, one with a link,
a screenshot, age, region skipped, confirms), then writes twice in the chat, each time
waiting for the operator's reply. That is 13 updates per person.

Measured: updates handled per second (from the first update offered to the last one
handled); time from an update being offered by the Bot API to it being handled and its
effect stored (p50/p99); the server's resident memory (peak, whole process tree); updates
offered but never handled; outgoing messages not sent (bot answers, and operator replies
that never reached the fake API). The last line printed is JSON:
{"updates_per_s", "p99_update_to_stored_ms", "rss_mb", "lost_updates", "lost_outgoing"}.

The per-chat flood limit is raised for the run: these scripted people act faster than any
person could, and the limit itself is covered by the tests.
"""

from __future__ import annotations

import argparse
import heapq
import io
import json
import os
import random
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    PYTHON,
    ROOT,
    Service,
    cpu_seconds,
    free_port,
    load_average,
    percentile,
    process_tree,
    rss_mb,
    run,
    temp_dir,
    wait_healthy,
)

OPERATOR_MARK = "[operator]"
HARMS = ["cyberbullying", "cyberstalking", "grooming", "sextortion", "scam", "hate_speech", "privacy", "other"]
AGES = ["8_12", "13_17", "adult", "unknown"]
LANGUAGES = ["az", "uz", "ru", "en"]


# --- The people ----------------------------------------------------------------------------------


def _keyboard_data(params: dict) -> set[str]:
    markup = params.get("reply_markup") or {}
    return {button.get("callback_data", "") for row in markup.get("inline_keyboard", []) for button in row}


@dataclass
class Person:
    chat_id: int
    rng: random.Random
    step: int = 0
    done_at: float | None = None
    keyboard_message: int | None = None


class Crowd:
    """People driven by what the bot (and the operator) send them."""

    def __init__(self, api, users: int, picture: bytes, think: float, seed: int = 7):
        self.api = api
        self.think = think
        self.picture = picture
        self.people = {9_100_000 + n: Person(9_100_000 + n, random.Random(seed + n)) for n in range(users)}
        self._queue: list = []
        self._seq = 0
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self.replies_received = 0
        self.first_offered: float | None = None
        api.on_call = self.on_call

    # Steps: (what to do, what answer lets the person go on).
    STEPS = [
        ("say:/start", "kb:lang:"),
        ("tap:lang", "kb:m:report"),
        ("tap:m:report", "kb:harm:"),
        ("tap:harm", "kb:story:done"),
        # Each part of the story is acknowledged with the "Done" button again (in any language).
        ("say:story1", "kb:story:done"),
        ("say:story2", "kb:story:done"),
        ("photo", "kb:story:done"),
        ("tap:story:done", "kb:age:"),
        ("tap:age", "kb:reg:skip"),
        ("tap:reg:skip", "kb:ok:send"),
        ("tap:ok:send", "kb:m:report"),
        ("say:chat1", "reply"),
        ("say:chat2", "reply"),
    ]

    def start(self) -> None:
        threading.Thread(target=self._run, name="crowd", daemon=True).start()
        now = time.monotonic()
        for person in self.people.values():
            self._schedule(now + person.rng.uniform(0, 1.0), person)

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()

    def finished(self) -> int:
        return sum(1 for person in self.people.values() if person.done_at is not None)

    def _schedule(self, when: float, person: Person) -> None:
        with self._lock:
            self._seq += 1
            heapq.heappush(self._queue, (when, self._seq, person.chat_id))
            self._lock.notify()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                while not self._queue and not self._stop.is_set():
                    self._lock.wait(0.5)
                if self._stop.is_set():
                    return
                when, _seq, chat_id = self._queue[0]
                delay = when - time.monotonic()
                if delay > 0:
                    self._lock.wait(delay)
                    continue
                heapq.heappop(self._queue)
            self._act(self.people[chat_id])

    def _act(self, person: Person) -> None:
        action, _expect = self.STEPS[person.step]
        api, rng = self.api, person.rng
        if action.startswith("say:"):
            what = action[4:]
            if what == "/start":
                update = api.message(person.chat_id, "/start")
            elif what == "story1":
                update = api.message(person.chat_id, "A boy from my class writes mean things about me every day.")
            elif what == "story2":
                text = f"He made a channel about me: https://t.me/mean_channel_{person.chat_id}"
                offset = text.index("https://")
                update = api.message(
                    person.chat_id,
                    text,
                    entities=[{"type": "url", "offset": offset, "length": len(text) - offset}],
                )
            else:
                update = api.message(person.chat_id, f"Message {what} from {person.chat_id}: are you there?")
        elif action == "photo":
            update = api.photo(person.chat_id, self.picture, caption="screenshot")
        else:
            data = action[4:]
            if data == "lang":
                data = f"lang:{rng.choice(LANGUAGES)}"
            elif data == "harm":
                data = f"harm:{rng.choice(HARMS)}"
            elif data == "age":
                data = f"age:{rng.choice(AGES)}"
            update = api.tap(person.chat_id, data, person.keyboard_message or 1)
        api.push(update)
        if self.first_offered is None:
            self.first_offered = time.time()

    def on_call(self, chat_id: int, method: str, params: dict, message_id: int | None) -> None:
        person = self.people.get(chat_id)
        if person is None or person.done_at is not None or method not in ("sendMessage", "editMessageText"):
            return
        text = params.get("text", "")
        if OPERATOR_MARK in text:
            self.replies_received += 1
        _action, expect = self.STEPS[person.step]
        kind, _sep, wanted = expect.partition(":")
        if kind == "kb":
            matched = any(data.startswith(wanted) for data in _keyboard_data(params))
        elif kind == "text":
            matched = wanted in text
        else:
            matched = OPERATOR_MARK in text
        if not matched:
            return
        if kind == "kb":
            person.keyboard_message = message_id
        person.step += 1
        if person.step == len(self.STEPS):
            person.done_at = time.time()
            return
        self._schedule(time.monotonic() + person.rng.uniform(0, self.think), person)


def make_picture() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (360, 640), (40, 90, 160)).save(out, format="PNG")
    return out.getvalue()


# --- Inside Django (the operator and the final count run in processes of their own) ----------------


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def operator_loop(stop_file: str, out_file: str) -> None:
    """Answer every message a person writes in their case, as an operator would from the console."""
    _django()
    from django.contrib.auth.models import Group

    from himoya.accounts import roles
    from himoya.accounts.models import User
    from himoya.cases.models import Case
    from himoya.conversations.actions import send_reply
    from himoya.conversations.models import Direction, Message

    user, _created = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=roles.OPERATOR))
    user = User.objects.get(pk=user.pk)
    answered: dict[int, int] = {}  # case id -> id of the last message answered
    replies = 0
    while not Path(stop_file).exists():
        latest = {}
        for case_id, message_id in (
            Message.objects.filter(direction=Direction.INBOUND, channel="telegram")
            .order_by("id")
            .values_list("case_id", "id")
        ):
            latest[case_id] = message_id
        for case_id, message_id in latest.items():
            if answered.get(case_id) == message_id:
                continue
            send_reply(Case.objects.get(pk=case_id), user, f"{OPERATOR_MARK} We read your message {message_id}.")
            answered[case_id] = message_id
            replies += 1
        Path(out_file).write_text(json.dumps({"replies": replies}))
        time.sleep(0.2)
    Path(out_file).write_text(json.dumps({"replies": replies}))


def count(out_file: str) -> None:
    """What the database says: when each update was handled, and what was never sent."""
    _django()
    from django.db.models import Count

    from himoya.channels.telegram.models import Outbound, TelegramUpdate
    from himoya.conversations.models import DeliveryState, Direction, Message

    rows = TelegramUpdate.objects.filter(processed_at__isnull=False).values_list(
        "update_id", "received_at", "processed_at"
    )
    handled = {update_id: processed_at.timestamp() for update_id, _received, processed_at in rows}
    received = {update_id: received_at.timestamp() for update_id, received_at, _processed in rows}
    data = {
        "handled": handled,
        "received": received,
        "pending_updates": TelegramUpdate.objects.filter(processed_at__isnull=True).count(),
        "outbound": dict(Outbound.objects.values_list("state").annotate(n=Count("id"))),
        "replies_not_sent": Message.objects.filter(direction=Direction.OUTBOUND)
        .exclude(state=DeliveryState.SENT)
        .count(),
    }
    Path(out_file).write_text(json.dumps(data))


# --- The run ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=240.0)
    parser.add_argument(
        "--think-ms", type=float, default=100.0, help="Longest pause of a person before each action (default 100)."
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from himoya.channels.telegram.fake_api import FakeBotAPI

    work = temp_dir("himoya-bench-telegram-")
    api = FakeBotAPI().start()
    port = free_port()
    env = {
        **os.environ,
        "HIMOYA_DATA_DIR": str(work / "data"),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "TELEGRAM_POLL_TIMEOUT": "5",
        "TELEGRAM_FLOOD_MESSAGES": "1000",
        "HIMOYA_LOG_LEVEL": "WARNING",
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    print(f"database: {'PostgreSQL' if env.get('DATABASE_URL') else 'SQLite'}; users: {args.users}", flush=True)
    server = Service("himoya", [PYTHON, "manage.py", "start", "--port", str(port)], env, work / "server.log").start()
    wait_healthy(server, "127.0.0.1", port)
    stop_file, operator_out, count_out = work / "stop", work / "operator.json", work / "count.json"
    operator = Service(
        "operator",
        [PYTHON, str(Path(__file__).resolve()), "operator", str(stop_file), str(operator_out)],
        env,
        work / "operator.log",
    ).start()

    crowd = Crowd(api, args.users, make_picture(), args.think_ms / 1000)
    peak_rss = rss_mb(process_tree(server.proc.pid))
    cpu_before = cpu_seconds(process_tree(server.proc.pid))
    load_before = load_average()[0]
    started = time.monotonic()
    crowd.start()
    try:
        while crowd.finished() < args.users and time.monotonic() - started < args.max_seconds:
            if not server.alive():
                sys.exit(f"the server stopped:\n{server.log_tail()}")
            peak_rss = max(peak_rss, rss_mb(process_tree(server.proc.pid)))
            time.sleep(0.5)
        # Let what is still in flight finish (a person stuck waiting is counted as loss below).
        drain_until = time.monotonic() + 15
        while time.monotonic() < drain_until and api.pending():
            time.sleep(0.5)
        time.sleep(2)
        peak_rss = max(peak_rss, rss_mb(process_tree(server.proc.pid)))
        server_cpu = cpu_seconds(process_tree(server.proc.pid)) - cpu_before
    finally:
        crowd.stop()
        stop_file.write_text("stop")
        operator.proc.wait(30)
        server.stop()
    run([PYTHON, str(Path(__file__).resolve()), "count", str(count_out)], env, what="counting")
    api.stop()

    counted = json.loads(count_out.read_text())
    replies_issued = json.loads(operator_out.read_text())["replies"] if operator_out.exists() else 0
    handled = {int(k): v for k, v in counted["handled"].items()}
    offered = dict(api.enqueued_at)
    latencies = [(handled[u] - t) * 1000 for u, t in offered.items() if u in handled]
    received = {int(k): v for k, v in counted["received"].items()}
    to_stored = [(received[u] - t) * 1000 for u, t in offered.items() if u in received]
    to_handled = [(handled[u] - received[u]) * 1000 for u in handled if u in received]
    lost_updates = sum(1 for u in offered if u not in handled)
    outbound = counted["outbound"]
    lost_outgoing = (
        outbound.get("queued", 0)
        + outbound.get("failed", 0)
        + counted["replies_not_sent"]
        + max(replies_issued - crowd.replies_received, 0)
    )
    span = (max(handled.values()) - crowd.first_offered) if handled and crowd.first_offered else 0
    result = {
        "updates_per_s": round(len(latencies) / span, 1) if span else 0.0,
        "p99_update_to_stored_ms": round(percentile(latencies, 99) or 0, 1),
        "rss_mb": round(peak_rss, 1),
        "lost_updates": lost_updates,
        "lost_outgoing": lost_outgoing,
    }
    print(f"people who finished: {crowd.finished()} of {args.users}")
    print(f"updates offered: {len(offered)}, handled: {len(latencies)}, in {span:.1f} s")
    print(
        f"update to stored: p50 {percentile(latencies, 50) or 0:.0f} ms, p90 {percentile(latencies, 90) or 0:.0f} ms, "
        f"p99 {percentile(latencies, 99) or 0:.0f} ms, max {max(latencies, default=0):.0f} ms"
    )
    print(
        f"  of which: offered to stored (polling) p50 {percentile(to_stored, 50) or 0:.0f} ms, "
        f"p99 {percentile(to_stored, 99) or 0:.0f} ms; stored to handled p50 {percentile(to_handled, 50) or 0:.0f} ms, "
        f"p99 {percentile(to_handled, 99) or 0:.0f} ms"
    )
    print(f"bot calls: {outbound}; operator replies sent {replies_issued}, received {crowd.replies_received}")
    print(f"server peak RSS: {peak_rss:.0f} MiB (web server, task worker and bot in one process)")
    print(
        f"server CPU: {server_cpu:.1f} s, {server_cpu / max(len(latencies), 1) * 1000:.1f} ms per update "
        f"(with the operator's replies and the platform's own tasks); "
        f"machine load average {load_before:.1f} at the start (2 cores)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "operator":
        operator_loop(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "count":
        count(sys.argv[2])
    else:
        main()
