"""Awareness sessions under a hall's load: N pupils answer a poll over real WebSockets.

    .venv/bin/python benchmarks/sessions.py [--participants 500] [--window 10] [--mode embedded]
    .venv/bin/python benchmarks/sessions.py --participants 2000 --mode scaled --workers 2

The server is started the way it runs in production, in its own process group, on a fresh
data directory: ``embedded`` is ``manage.py start`` (one process, SQLite, in-memory channel
layer); ``scaled`` is ``uvicorn config.asgi:application --workers N`` on a PostgreSQL
database created for the run (and dropped after it) with Redis as the channel layer.

Then, from this separate process:

1. a trainer's session with two polls is created (a helper process runs the same actions
   the trainer's buttons run) and the first poll is opened;
2. N pupils join over HTTP exactly as a phone does (GET the join page, POST the form, keep
   the participant cookie), then open their WebSockets; a projector WebSocket listens;
3. **spread round**: every pupil answers once at a random moment within ``--window``
   seconds (a class answering a question). For each answer we note when it was sent and
   when its acknowledgement came back; the projector notes each tally it receives, with
   the server's ``counted_at`` (everything committed before it is in the count). An
   answer's *vote → chart* time is from sending it to the first tally counted after its
   acknowledgement arrived — an upper bound (an answer counted in an earlier tally is
   charged to the next one);
4. **burst round**: the second poll is opened and all pupils answer at once, for the
   throughput (votes/s: answers counted / seconds from the first sent to the last
   acknowledged);
5. every answer must be in the projector's last tally and in the database: ``lost_votes``
   is answers sent minus answers counted, over both rounds.

It prints figures per round, then one line of JSON:
{"participants", "votes_per_s", "vote_to_chart_p50_ms", "vote_to_chart_p99_ms", "rss_mb", "lost_votes"}
(latencies from the spread round, votes/s from the burst round, rss_mb the server
processes' peak resident memory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import _common as common
from websockets.exceptions import ConnectionClosed

TARGET_P99_MS = 1000.0
OPTIONS = ["Telegram", "TikTok", "YouTube", "Instagram"]


# --- Helper process: the trainer's side, through the app's own actions ---------------------------


def _django():
    sys.path.insert(0, str(common.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def internal_setup() -> None:
    _django()
    from datetime import date

    from django.contrib.auth.models import Group

    from himoya.accounts import roles
    from himoya.accounts.models import User
    from himoya.awareness import actions
    from himoya.awareness.plans import ActivityPlan

    trainer, _created = User.objects.get_or_create(username="bench-trainer", defaults={"is_staff": True})
    trainer.groups.add(Group.objects.get(name=roles.TRAINER))
    trainer = User.objects.get(pk=trainer.pk)  # fresh permission cache
    session = actions.create_session(
        trainer, actions.SessionDetails("Benchmark hall", "en", date.today(), "pupils_7_11")
    )
    polls = [
        actions.add_activity(session, trainer, ActivityPlan(kind="poll_single", prompt=prompt, options=OPTIONS))
        for prompt in ("Which app do you use most? (spread)", "Which app do you use most? (burst)")
    ]
    actions.show_activity(session, trainer, polls[0])
    print(
        json.dumps(
            {
                "session": session.pk,
                "code": session.join_code,
                "projector_key": session.projector_key,
                "activities": [p.pk for p in polls],
            }
        )
    )


def internal_show(session_id: str, activity_id: str) -> None:
    _django()
    from himoya.accounts.models import User
    from himoya.awareness import actions
    from himoya.awareness.models import AwarenessSession

    session = AwarenessSession.objects.get(pk=int(session_id))
    actions.show_activity(session, User.objects.get(username="bench-trainer"), session.activities.get(pk=activity_id))
    print("shown")


def internal_count(activity_ids: str) -> None:
    _django()
    from himoya.awareness.models import Vote

    print(json.dumps({a: Vote.objects.filter(activity_id=int(a)).count() for a in activity_ids.split(",")}))


def _helper(env: dict[str, str], *args: str) -> str:
    return common.run([common.PYTHON, __file__, *args], env, what=f"helper {args[0]}").strip().splitlines()[-1]


# --- Pupils and the projector (asyncio, raw HTTP + websockets) --------------------------------------


async def _http(host: str, port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        writer.write(head.encode() + body)
        raw = await asyncio.wait_for(reader.read(), 60)
    finally:
        writer.close()
    header, _, payload = raw.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    cookies = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "set-cookie":
            pair = value.strip().split(";", 1)[0]
            key, _, val = pair.partition("=")
            cookies[key] = val
    return status, cookies, payload


async def join(host: str, port: int, code: str, csrf: str) -> str:
    """Join as a phone does; returns the Cookie header for the participant's socket."""
    body = f"csrfmiddlewaretoken={csrf}&nickname=".encode()
    status, cookies, _ = await _http(
        host,
        port,
        "POST",
        f"/en/join/{code}/",
        {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        body,
    )
    name = f"himoya_aw_{code}"
    if status != 302 or name not in cookies:
        raise RuntimeError(f"join failed: HTTP {status}")
    return f"{name}={cookies[name]}"


@dataclass
class Vote:
    activity: int
    choice: int
    sent: float = 0.0
    acked: float | None = None
    ok: bool = False
    error: str = ""


@dataclass
class Projector:
    tallies: list[tuple[float, float, int, int, list[int]]] = field(
        default_factory=list
    )  # recv, counted_at, activity, total, counts

    received: dict[str, int] = field(default_factory=dict)

    def last(self, activity: int) -> tuple[int, list[int]]:
        best = (0, [])
        for _recv, _counted, act, total, counts in self.tallies:
            if act == activity and total >= best[0]:
                best = (total, counts)
        return best


async def projector_listen(ws, projector: Projector) -> None:
    async for raw in ws:
        message = json.loads(raw)
        projector.received[message.get("type")] = projector.received.get(message.get("type"), 0) + 1
        if message.get("type") == "tally":
            projector.tallies.append(
                (time.time(), message["counted_at"], message["activity"], message["total"], message["counts"])
            )


async def pupil(ws, inbox: asyncio.Queue) -> None:
    """Route this socket's replies to the waiting vote (pushes to the class are ignored)."""
    try:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "voted":
                inbox.put_nowait(message)
    except ConnectionClosed:
        pass


async def cast(ws, inbox: asyncio.Queue, vote: Vote, delay: float, timeout: float) -> None:
    await asyncio.sleep(delay)
    vote.sent = time.time()
    try:
        await ws.send(json.dumps({"action": "vote", "activity": vote.activity, "choices": [vote.choice], "ref": 1}))
        reply = await asyncio.wait_for(inbox.get(), timeout)
    except TimeoutError:
        vote.error = "timeout"
        return
    except ConnectionClosed:
        vote.error = "socket closed"
        return
    vote.acked = time.time()
    vote.ok = bool(reply.get("ok"))
    vote.error = reply.get("error", "")


def latencies_ms(votes: list[Vote], projector: Projector, activity: int) -> list[float]:
    """Per acknowledged vote: sent → the first tally of the activity that surely includes it.

    A tally surely includes a vote when it was counted after the vote's acknowledgement
    arrived, or when it shows every acknowledged vote of the round. Either is an upper
    bound of when the chart first showed it.
    """
    tallies = sorted((recv, counted, total) for recv, counted, act, total, _c in projector.tallies if act == activity)
    everyone = sum(v.ok for v in votes)
    out = []
    for vote in votes:
        if vote.acked is None:
            continue
        seen = next(
            (
                recv
                for recv, counted, total in tallies
                if recv >= vote.sent and (counted >= vote.acked or total >= everyone)
            ),
            None,
        )
        if seen is not None:
            out.append((seen - vote.sent) * 1000)
    return out


@dataclass
class RoundResult:
    name: str
    sent: int = 0
    acked_ok: int = 0
    counted_chart: int = 0
    counted_db: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.sent - min(self.counted_chart, self.counted_db)


async def run_round(
    name: str, sockets, activity: int, window: float, projector: Projector, settle: float, seed: int
) -> tuple[RoundResult, list[Vote]]:
    rng = random.Random(seed)
    votes = [Vote(activity, rng.randrange(len(OPTIONS))) for _ in sockets]
    delays = [rng.uniform(0, window) if window > 0 else 0.0 for _ in sockets]
    await asyncio.gather(*(cast(ws, inbox, v, d, 60) for (ws, inbox), v, d in zip(sockets, votes, delays, strict=True)))
    result = RoundResult(name, sent=len(votes))
    result.acked_ok = sum(v.ok for v in votes)
    for v in votes:
        if not v.ok:
            result.errors[v.error or "?"] = result.errors.get(v.error or "?", 0) + 1
    acked = [v.acked for v in votes if v.acked]
    result.seconds = (max(acked) - min(v.sent for v in votes)) if acked else 0.0
    # Wait until the chart shows every acknowledged vote (or give up after `settle`).
    deadline = time.monotonic() + settle
    while projector.last(activity)[0] < result.acked_ok and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    total, counts = projector.last(activity)
    result.counted_chart = total
    expected = [0] * len(OPTIONS)
    for v in votes:
        if v.ok:
            expected[v.choice] += 1
    if total == result.acked_ok and counts != expected:
        result.errors["wrong_counts"] = 1
    result.latencies = latencies_ms(votes, projector, activity)
    return result, votes


async def drive(args, port: int, setup: dict, env: dict[str, str], server_pids) -> dict:
    from websockets.asyncio.client import connect

    host = "127.0.0.1"
    origin = f"http://{host}:{port}"
    code = setup["code"]
    # One CSRF cookie serves every join (as one browser's would); each join gets its own participant.
    status, cookies, _ = await _http(host, port, "GET", f"/en/join/{code}/", {})
    if status != 200 or "csrftoken" not in cookies:
        raise RuntimeError(f"the join page answered {status}")
    csrf = cookies["csrftoken"]

    peak = {"rss": 0.0}
    stop = asyncio.Event()

    async def sample():
        while not stop.is_set():
            peak["rss"] = max(peak["rss"], common.rss_mb(server_pids()))
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    projector = Projector()
    screen = await connect(
        f"ws://{host}:{port}/ws/awareness/screen/{setup['projector_key']}/", origin=origin, ping_interval=None
    )
    listener = asyncio.create_task(projector_listen(screen, projector))

    started = time.monotonic()
    gate = asyncio.Semaphore(args.concurrency)

    async def one(i: int):
        async with gate:
            cookie = await join(host, port, code, csrf)
            ws = await connect(
                f"ws://{host}:{port}/ws/awareness/join/{code}/",
                origin=origin,
                additional_headers={"Cookie": cookie},
                ping_interval=None,
                open_timeout=60,
                compression=None,
            )
        inbox: asyncio.Queue = asyncio.Queue()
        reader = asyncio.create_task(pupil(ws, inbox))
        return ws, inbox, reader

    joined = await asyncio.gather(*(one(i) for i in range(args.participants)))
    join_s = time.monotonic() - started
    sockets = [(ws, inbox) for ws, inbox, _reader in joined]
    print(f"  {args.participants} pupils joined over HTTP and connected in {join_s:.1f} s", flush=True)
    await asyncio.sleep(1.0)

    spread, _votes = await run_round("spread", sockets, setup["activities"][0], args.window, projector, 15, 1)
    await asyncio.to_thread(_helper, env, "_show", str(setup["session"]), str(setup["activities"][1]))
    await asyncio.sleep(0.5)
    burst, _votes = await run_round("burst", sockets, setup["activities"][1], 0, projector, 30, 2)

    stop.set()
    await sampler
    print(f"  the projector received {projector.received}", flush=True)
    counted = json.loads(await asyncio.to_thread(_helper, env, "_count", ",".join(map(str, setup["activities"]))))
    spread.counted_db = counted[str(setup["activities"][0])]
    burst.counted_db = counted[str(setup["activities"][1])]

    # Leave as a class does at the end of a lesson: within a few seconds, not all at once.
    for ws, _inbox, reader in joined:
        reader.cancel()
        await ws.close()
        await asyncio.sleep(2 / len(joined))
    listener.cancel()
    await screen.close()
    return {"spread": spread, "burst": burst, "rss_mb": peak["rss"], "join_s": join_s}


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def report(rounds: dict) -> dict:
    spread, burst = rounds["spread"], rounds["burst"]
    for r in (spread, burst):
        p50 = common.percentile(r.latencies, 50)
        p99 = common.percentile(r.latencies, 99)
        rate = r.acked_ok / r.seconds if r.seconds else 0.0
        print(
            f"  {r.name:6} sent {r.sent}, acknowledged {r.acked_ok}, on the chart {r.counted_chart}, "
            f"in the database {r.counted_db}; {rate:.0f} votes/s over {r.seconds:.2f} s; "
            f"vote→chart p50 {_ms(p50)}, p99 {_ms(p99)}; errors {r.errors or 'none'}",
            flush=True,
        )
    p99 = common.percentile(spread.latencies, 99)
    return {
        "participants": spread.sent,
        "votes_per_s": round(burst.acked_ok / burst.seconds, 1) if burst.seconds else None,
        "vote_to_chart_p50_ms": round(common.percentile(spread.latencies, 50) or 0, 1),
        "vote_to_chart_p99_ms": round(p99 or 0, 1),
        "rss_mb": round(rounds["rss_mb"], 1),
        "lost_votes": spread.lost + burst.lost,
    }


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIMOYA_", "DATABASE_URL", "REDIS_URL", "DJANGO_")) and k != "PYTHONPATH"
    }
    return env | {"HIMOYA_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings", **extra}


def _raise_fd_limit(needed: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        {"_setup": internal_setup, "_show": internal_show, "_count": internal_count}[sys.argv[1]](*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--window", type=float, default=10.0, help="seconds over which the spread round's answers come")
    parser.add_argument("--mode", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes in scaled mode")
    parser.add_argument("--concurrency", type=int, default=50, help="pupils joining at once")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-db", default="himoya_bench_sessions")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    args = parser.parse_args()
    _raise_fd_limit(args.participants * 2 + 256)
    # The servers inherit the limit: each keeps a socket per pupil.
    work = common.temp_dir("himoya-bench-sessions-")
    data_dir = common.temp_dir("himoya-bench-data-")
    port = common.free_port()
    admin = None
    services: list[common.Service] = []
    try:
        if args.mode == "embedded":
            env = _env(data_dir)
            print(f"embedded: `manage.py start` (one process, SQLite, in-memory layer), {args.participants} pupils")
            services.append(
                common.Service(
                    "manage.py start",
                    [common.PYTHON, "manage.py", "start", "--host", "127.0.0.1", "--port", str(port)],
                    env,
                    work / "server.log",
                )
            )
        else:
            import psycopg

            admin = psycopg.connect(f"{args.pg_url.rstrip('/')}/postgres", autocommit=True, connect_timeout=5)
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_db}"')
            env = _env(
                data_dir,
                DATABASE_URL=f"{args.pg_url.rstrip('/')}/{args.pg_db}",
                REDIS_URL=args.redis_url,
                HIMOYA_REDIS_PREFIX="himoya-bench-sessions",
            )
            print(
                f"scaled: `uvicorn config.asgi:application --workers {args.workers}`, PostgreSQL, Redis, "
                f"{args.participants} pupils"
            )
            common.run([common.PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], env, what="migrate")
            common.run([common.PYTHON, "manage.py", "bootstrap"], env, what="bootstrap")
            common.run([common.PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, what="static")
            services.append(
                common.Service(
                    "uvicorn",
                    [
                        common.PYTHON,
                        "-m",
                        "uvicorn",
                        "config.asgi:application",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--workers",
                        str(args.workers),
                        "--lifespan",
                        "off",
                        "--no-access-log",
                    ],
                    env,
                    work / "server.log",
                )
            )
        for service in services:
            service.start()
        boot = common.wait_healthy(services[0], "127.0.0.1", port)
        print(f"  server ready in {boot:.1f} s", flush=True)
        setup = json.loads(_helper(env, "_setup"))

        def server_pids():
            return [pid for service in services for pid in common.process_tree(service.proc.pid)]

        rounds = asyncio.run(drive(args, port, setup, env, server_pids))
        result = report(rounds)
        verdict = (
            "meets" if result["lost_votes"] == 0 and result["vote_to_chart_p99_ms"] < TARGET_P99_MS else "DOES NOT meet"
        )
        print(f"  {verdict} the target: every vote counted, vote→chart p99 < {TARGET_P99_MS:.0f} ms", flush=True)
        print(json.dumps(result))
    finally:
        for service in services:
            service.stop()
        if admin is not None:
            if not args.keep:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            admin.close()
        if args.keep:
            print(f"  kept: {data_dir} {work}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
