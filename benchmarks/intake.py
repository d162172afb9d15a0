"""Intake throughput of the partner API, end to end, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/intake.py [--seconds 20] [--clients 32]

Each round starts the real ASGI server on loopback the way it runs in production, posts
reports to ``POST /api/v1/reports`` from concurrent keep-alive clients (a separate,
light asyncio process) for a fixed time, lets the server finish the triage it queued (and
says how long that took), stops the server, then checks that every report
the API accepted (201 and a case code) is in the database: a case whose code digest
matches, with its API report and its audit row.

Rounds:

* ``sqlite``: the embedded default, ``manage.py start`` (one process: uvicorn and the
  task-worker thread), on a fresh ``HIMOYA_DATA_DIR`` (fresh database and keys).
* ``postgres``: the scale-out shape of docs/deployment.md, ``uvicorn --workers 2`` plus one
  ``manage.py db_worker --interval 0.2``, on a database created for the run and dropped
  after it, with Redis (db 14) as channel layer and cache.

It prints figures per round, then one line of JSON:
{"sqlite_reports_per_s", "sqlite_p99_ms", "postgres_reports_per_s", "postgres_p99_ms", "errors", "lost"}
(errors and lost are summed over the rounds; a round that could not run gives null).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import _common as common

TARGETS = {"sqlite": 300.0, "postgres": 500.0}
P99_TARGET_MS = 250.0
# After the load, how long the server may take to finish the background tasks it queued.
DRAIN_LIMIT_S = 180.0
# Background tasks not yet done (triage of the reports, live updates).
PENDING_TASKS_SQL = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
PARTNER_NAME = "Benchmark partner"

# --- Reports that look like real ones ---------------------------------------------------------

NARRATIVES = {
    "en": [
        "Someone keeps sending my 13-year-old daughter messages from a new account every day after "
        "we block the old one. He says he knows which school she goes to and posts her photos with "
        "insulting captions. Her classmates share them in a group chat. She is afraid to go to school.",
        "A man who said he was 15 added my son in a game and moved the chat to another app. He asked "
        "for photos and offered gift cards. Now he threatens to send the pictures to our family unless "
        "my son pays. We have screenshots of the whole conversation and the account name.",
        "There is a channel posting a 'challenge' where children are told to hold their breath until "
        "they faint and film it. My nephew's friends are doing it. The videos have thousands of views "
        "and the comments encourage younger kids to try it.",
        "A page is selling fake 'scholarships' to pupils: they ask for passport photos and a fee by "
        "card transfer. Three girls from our class sent their documents. The page still runs ads today.",
    ],
    "ru": [
        "Моей дочери 12 лет, неизвестный пишет ей каждый день с разных аккаунтов, присылает "
        "неприличные фото и просит прислать свои. Мы блокируем, он создаёт новый профиль. Сегодня "
        "он написал, что знает наш адрес. Скриншоты сохранили, дочь очень напугана.",
        "В группе класса одноклассники выложили видео, где мой сын плачет, и подписали его "
        "оскорблениями. Видео уже разошлось по другим чатам и каналам. Учитель говорит, что это "
        "вне школы и он ничего не может сделать. Просим помочь удалить видео.",
        "Незнакомый взрослый в игре предлагает детям деньги на карту за выполнение 'заданий', "
        "сначала безобидных, потом всё опаснее. Сын показал переписку: последнее задание было "
        "порезать руку и прислать фото. Аккаунт и ссылки прилагаю.",
    ],
    "az": [
        "Qızım 14 yaşındadır. Bir nəfər onun şəkillərini saxta profildə paylaşır və altına təhqiredici "
        "sözlər yazır. Sinif yoldaşları bu linki bir-birinə göndərirlər. Biz profili şikayət etdik, "
        "amma hələ də açıqdır. Qızım məktəbə getmək istəmir, xahiş edirik kömək edin.",
        "Oğlum oyunda tanış olduğu şəxslə yazışırdı. O, əvvəlcə hədiyyələr vəd etdi, sonra şəkil "
        "istədi. İndi pul göndərməsə şəkilləri ailəmizə göndərəcəyi ilə hədələyir. Yazışmanın "
        "ekran görüntüləri bizdədir, hesabın adını aşağıda yazıram.",
        "Bir kanal uşaqlara təhlükəli 'çağırış' videoları yayır: yüksək binaların damına çıxıb "
        "video çəkmək. Qardaşımın sinfindən iki uşaq artıq bunu edib. Videoların altında kiçik "
        "yaşlı uşaqları da buna təşviq edən şərhlər var.",
    ],
    "uz": [
        "Qizim 13 yoshda. Noma'lum odam unga har kuni yangi akkauntlardan yozadi, uyat rasmlar "
        "yuboradi va o'zinikini so'raydi. Bloklasak, yangi profil ochadi. Bugun u maktab manzilini "
        "bilishini yozdi. Yozishmalarning skrinshotlari bor, qizim juda qo'rqib qolgan.",
        "Sinfdoshlari o'g'limning yig'layotgan videosini guruhga joylab, haqoratli so'zlar yozishdi. "
        "Video boshqa kanallarga ham tarqaldi. O'qituvchi bu maktabdan tashqarida bo'lgani uchun "
        "hech narsa qila olmasligini aytdi. Videoni o'chirishga yordam bering.",
        "Internetda bolalarga 'grant' va'da qilayotgan sahifa pasport nusxasi va karta orqali to'lov "
        "so'ramoqda. Bizning sinfimizdan uch nafar o'quvchi hujjatlarini yuborgan. Sahifa hali ham "
        "reklama berib turibdi, havolalarni ilova qilaman.",
    ],
}
HARMS = [
    "cyberbullying",
    "cyberstalking",
    "grooming",
    "sextortion",
    "ncii",
    "self_harm",
    "dangerous_challenge",
    "scam",
    "hate_speech",
    "privacy",
    "inappropriate_content",
    None,
]
REGIONS = ["AZ-BA", "AZ-GD", "AZ-SS", "AZ-LA", "AZ-MM", "UZ-TK", "UZ-TO", "UZ-SA", "UZ-FA", "UZ-AN", None]
AGE_GROUPS = ["under_8", "8_12", "13_17", "13_17", "adult", "unknown"]
LINK_MAKERS = [
    lambda r: f"https://www.instagram.com/{_handle(r)}/",
    lambda r: f"https://t.me/{_handle(r)}",
    lambda r: f"https://www.tiktok.com/@{_handle(r)}/video/{r.randrange(10**18, 10**19)}",
    lambda r: f"https://vk.com/id{r.randrange(10**6, 10**9)}",
    lambda r: f"https://www.youtube.com/watch?v={''.join(r.choices('abcdefghijkLMNOPQ0123456789_-', k=11))}",
    lambda r: f"@{_handle(r)}",
    lambda r: f"discord.gg/{''.join(r.choices('abcdefghijkmnpqrstuvwxyz23456789', k=8))}",
]


def _handle(r: random.Random) -> str:
    return (
        r.choice(["real", "dark", "kid", "shop", "free", "top", "baku", "tash"])
        + (r.choice(["_", ".", ""]) + r.choice(["star", "gamer", "news", "gift", "video", "girl", "boy"]))
        + str(r.randrange(1, 9999))
    )


def report_bodies(count: int, seed: int = 7) -> list[str]:
    """JSON bodies for ``POST /api/v1/reports``; ``partner_reference`` carries a sequence mark."""
    r = random.Random(seed)
    bodies = []
    for _ in range(count):
        language = r.choice(["en", "ru", "az", "uz"])
        narrative = r.choice(NARRATIVES[language])
        if r.random() < 0.5:  # some reports are longer: a second paragraph in another register
            narrative += "\n\n" + r.choice(NARRATIVES[r.choice(["en", language])])
        body = {
            "narrative": narrative,
            "language": language,
            "harm": r.choice(HARMS),
            "age_group": r.choice(AGE_GROUPS),
            "region": r.choice(REGIONS),
            "links": [r.choice(LINK_MAKERS)(r) for _ in range(r.choice([0, 1, 1, 2, 3]))],
            "contact": r.choice(
                [None, None, f"+99450{r.randrange(10**6, 10**7)}", f"parent{r.randrange(999)}@mail.az"]
            ),
            "needs_help_now": r.random() < 0.05,
            "partner_reference": "bench-" + common.SEQ_MARK.decode(),
        }
        bodies.append(json.dumps({k: v for k, v in body.items() if v is not None}, ensure_ascii=False))
    return bodies


# --- Inside the platform's environment (run as subprocesses of this script) ------------------


def _django():
    sys.path.insert(0, str(common.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def internal_issue_token() -> None:
    _django()
    from himoya.channels.api.models import Partner, PartnerToken

    partner, _created = Partner.objects.get_or_create(name=PARTNER_NAME)
    _row, token = PartnerToken.issue(partner, label="benchmark")
    print(token)


def internal_verify(codes_path: str) -> None:
    """Which accepted codes have their case, API report and audit row in the database."""
    _django()
    from django_tasks_db.models import DBTaskResult

    from himoya.audit.models import Action, AuditEntry
    from himoya.lib import codes
    from himoya.reports.models import Channel, Report

    accepted = json.loads(Path(codes_path).read_text())
    digests = {codes.digest(code): code for code in accepted}
    found: set[str] = set()
    audited: set[str] = set()
    items = list(digests)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        found.update(
            Report.objects.filter(code_digest__in=chunk, channel=Channel.API, partner__name=PARTNER_NAME).values_list(
                "code_digest", flat=True
            )
        )
        audited.update(
            AuditEntry.objects.filter(action=Action.REPORT_SUBMITTED, case__reports__code_digest__in=chunk).values_list(
                "case__reports__code_digest", flat=True
            )
        )
    missing = [digests[d] for d in items if d not in found]
    print(
        json.dumps(
            {
                "accepted": len(accepted),
                "distinct": len(digests),
                "found": len(found),
                "lost": len(missing) + (len(accepted) - len(digests)),
                "lost_samples": missing[:5],
                "without_audit": len([d for d in found if d not in audited]),
                "reports_in_db": Report.objects.filter(channel=Channel.API).count(),
                "tasks_waiting": DBTaskResult.objects.ready().count(),
                "tasks_done": DBTaskResult.objects.successful().count(),
                "tasks_failed": DBTaskResult.objects.failed().count(),
            }
        )
    )


# --- Rounds -----------------------------------------------------------------------------------------


@dataclass
class Round:
    name: str
    shape: str
    reports_per_s: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    lost: int = 0
    lines: list[str] = field(default_factory=list)
    skipped: str = ""


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This environment less the platform's own settings (a developer's database, bot token…)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIMOYA_", "DATABASE_URL", "REDIS_URL", "DJANGO_", "TELEGRAM_")) and k != "PYTHONPATH"
    }
    env |= {"HIMOYA_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings", **extra}
    return env


def _prepare(env: dict[str, str]) -> str:
    py, manage = common.PYTHON, "manage.py"
    common.run([py, manage, "migrate", "--no-input", "-v", "0"], env, what="migrate")
    common.run([py, manage, "bootstrap"], env, what="bootstrap")
    return common.run([py, __file__, "_issue_token"], env, what="issuing a partner token").strip().splitlines()[-1]


def _measure(
    rnd: Round,
    args,
    env: dict[str, str],
    services: list[common.Service],
    port: int,
    token: str,
    work: Path,
    pending: Callable[[], int],
    gauges: dict[str, Callable[[], float]] | None = None,
    other_pids: dict[str, Callable[[], list[int]]] | None = None,
    ready_lines: list[tuple[common.Service, str]] | None = None,
) -> None:
    """Load the running ``services`` (the first serves HTTP on ``port``), stop them, verify.

    ``pending`` counts the background tasks not yet done; after the load the services run
    on until it is 0 (at most ``DRAIN_LIMIT_S``), so the round shows how long triage takes to
    catch up with the burst. ``gauges`` are read every half second during the load; their
    highest values are printed. ``other_pids`` name processes that are not ours but work for
    this run only (database backends): their whole CPU time, read when the load ends, is
    printed per report. ``ready_lines``: services without HTTP, and the line each logs
    once it is ready for work (a worker that has loaded its models); the load waits for it.
    """
    try:
        for service in services:
            service.start()
        boot = common.wait_healthy(services[0], "127.0.0.1", port)
        rnd.lines.append(f"  server ready in {boot:.1f} s")
        for service, text in ready_lines or []:
            rnd.lines.append(f"  {service.name} ready {common.wait_logged(service, text):.1f} s later")
        spec = common.LoadSpec(
            host="127.0.0.1",
            port=port,
            method="POST",
            path="/api/v1/reports",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            bodies=report_bodies(args.bodies),
            clients=args.clients,
            seconds=args.seconds,
            warmup=args.warmup,
        )
        trees = {s.name: common.process_tree(s.proc.pid) for s in services}
        load_before = common.load_average()[0]
        cpu_before = {name: common.cpu_seconds(pids) for name, pids in trees.items()}
        machine_before = common.machine_cpu()
        with common.Sampler(gauges or {}) as peaks:
            result, _wall = common.generate_load(spec, work)
        other_cpu = {name: common.cpu_seconds(pids()) for name, pids in (other_pids or {}).items()}
        machine_after = common.machine_cpu()
        trees = {s.name: common.process_tree(s.proc.pid) for s in services}
        service_cpu = {name: common.cpu_seconds(pids) - cpu_before.get(name, 0.0) for name, pids in trees.items()}
        server_cpu = sum(service_cpu.values())
        rss = common.rss_mb([pid for pids in trees.values() for pid in pids])
        load_after = common.load_average()[0]
        backlog = pending()
        drained = _drain(pending)
    finally:
        for service in reversed(services):
            service.stop()

    codes: list[str] = []
    unreadable = 0
    for body in result.accepted_bodies:
        try:
            codes.append(json.loads(body)["code"])
        except (ValueError, KeyError, TypeError):
            unreadable += 1
    codes_path = work / "accepted-codes.json"
    codes_path.write_text(json.dumps(codes))
    check = json.loads(
        common.run([common.PYTHON, __file__, "_verify", str(codes_path)], env, what="verification").splitlines()[-1]
    )

    window = result.seconds
    busy, total = (after - before for after, before in zip(machine_after, machine_before, strict=True))
    rnd.reports_per_s = result.accepted_measured / window if window > 0 else 0.0
    rnd.p50_ms = common.percentile(result.latencies_ms, 50)
    rnd.p99_ms = common.percentile(result.latencies_ms, 99)
    rnd.errors = result.errors + unreadable
    rnd.lost = check["lost"]
    total_accepted = result.accepted_measured + result.accepted_warmup
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items())) or "none"
    per_service = ""
    if len(service_cpu) > 1:
        parts = (f"{name} {1000 * cpu / max(total_accepted, 1):.1f}" for name, cpu in service_cpu.items())
        per_service = f" ({', '.join(parts)})"
    rnd.lines += [
        f"  load          {args.clients} keep-alive clients, {window:.1f} s measured after {args.warmup:.0f} s warm-up",
        f"  accepted      {result.accepted_measured} in the window = {rnd.reports_per_s:.1f} reports/s "
        f"(target ≥ {TARGETS[rnd.name]:.0f})",
        f"  latency       p50 {_ms(rnd.p50_ms)}  p99 {_ms(rnd.p99_ms)} (target < {P99_TARGET_MS:.0f} ms)"
        f"  max {_ms(max(result.latencies_ms, default=None))}",
        f"  over {P99_TARGET_MS:.0f} ms   {_slow(result)}",
        f"  responses     {statuses}",
        f"  errors        {rnd.errors}",
        f"  lost          {rnd.lost} of {total_accepted} accepted (warm-up included); "
        f"in DB {check['found']} with report, {check['found'] - check['without_audit']} with audit row; "
        f"API reports in DB {check['reports_in_db']}",
        f"  task queue    {backlog} waiting when the load ended; "
        + (
            f"triage caught up {drained:.1f} s later"
            if drained is not None
            else f"not caught up {DRAIN_LIMIT_S:.0f} s later"
        )
        + f"; {check['tasks_done']} done, {check['tasks_waiting']} waiting, {check['tasks_failed']} failed at stop",
        f"  server CPU    {server_cpu:.1f} s = {server_cpu / max(_wall, 1e-9):.2f} cores, "
        f"{1000 * server_cpu / max(total_accepted, 1):.1f} ms per accepted report{per_service}; RSS {rss:.0f} MiB",
        f"  load gen CPU  {result.cpu_seconds:.1f} s = {result.cpu_seconds / max(_wall, 1e-9):.2f} core",
        f"  machine CPU   {100 * busy / max(total, 1e-9):.0f}% busy during the load (all processes, all cores)",
        f"  load average  {load_before:.2f} before, {load_after:.2f} after (1 min; {os.cpu_count()} CPUs)",
    ]
    for name, cpu in other_cpu.items():
        per_report = 1000 * cpu / max(total_accepted, 1)
        rnd.lines.append(f"  database CPU  {cpu:.1f} s = {per_report:.1f} ms per accepted report ({name})")
    for name, peak in peaks.items():
        rnd.lines.append(f"  peak          {name}: {peak:g}")
    for sample in result.error_samples[:5]:
        rnd.lines.append(f"  error sample  {sample}")
    for code in check["lost_samples"]:
        rnd.lines.append(f"  lost sample   {code}")


def _drain(pending: Callable[[], int]) -> float | None:
    """Seconds until no background task is waiting, or None past ``DRAIN_LIMIT_S``."""
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_LIMIT_S:
        if pending() == 0:
            return time.monotonic() - started
        time.sleep(0.25)
    return None


def _slow(result: common.LoadResult) -> str:
    """Requests slower than the p99 target, and the seconds of the window they were sent in."""
    by_second = common.slow_seconds(result.started_s, result.latencies_ms, P99_TARGET_MS)
    total = sum(by_second.values())
    if not total:
        return "none"
    worst = sorted(by_second.items(), key=lambda item: -item[1])[:6]
    where = ", ".join(f"{count} in second {second}" for second, count in sorted(worst))
    return f"{total} of {len(result.latencies_ms)} requests; most sent at: {where}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def round_sqlite(args, work: Path) -> Round:
    rnd = Round("sqlite", "embedded default: `manage.py start` = one process (uvicorn + task-worker thread)")
    data_dir = common.temp_dir("himoya-bench-sqlite-")
    try:
        env = _env(data_dir)
        token = _prepare(env)
        port = common.free_port()
        server = common.Service(
            "manage.py start",
            [common.PYTHON, "manage.py", "start", "--host", "127.0.0.1", "--port", str(port)],
            env,
            work / "sqlite-server.log",
        )

        def pending() -> int:
            with closing(sqlite3.connect(data_dir / "himoya.sqlite3", timeout=30)) as db:
                return db.execute(PENDING_TASKS_SQL).fetchone()[0]

        _measure(rnd, args, env, [server], port, token, work, pending)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return rnd


def round_postgres(args, work: Path) -> Round:
    workers = args.pg_workers
    rnd = Round(
        "postgres",
        f"scale-out: `uvicorn config.asgi:application --workers {workers}` + one `manage.py db_worker "
        f"--interval 0.2`; Redis db 14",
    )
    try:
        import psycopg
    except ImportError:
        rnd.skipped = "psycopg is not installed"
        return rnd
    admin_url = f"{args.pg_url.rstrip('/')}/postgres"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        rnd.skipped = f"PostgreSQL not reachable at {args.pg_url}: {exc}"
        return rnd
    db = args.pg_db
    data_dir = common.temp_dir("himoya-bench-pg-")
    monitor: list = []
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db}"')
        env = _env(
            data_dir,
            DATABASE_URL=f"{args.pg_url.rstrip('/')}/{db}",
            REDIS_URL=args.redis_url,
            HIMOYA_REDIS_PREFIX="himoya-bench",
        )
        token = _prepare(env)
        port = common.free_port()
        web = common.Service(
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
                str(workers),
                "--lifespan",
                "off",
                "--no-access-log",
            ],
            env,
            work / "pg-web.log",
        )
        worker = common.Service(
            "db_worker",
            [common.PYTHON, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
            env,
            work / "pg-worker.log",
        )

        def connections() -> float:
            return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [db]).fetchone()[0]

        def pending() -> int:
            # Connected after the load, which its connection would otherwise be counted in.
            if not monitor:
                monitor.append(psycopg.connect(env["DATABASE_URL"], autocommit=True, connect_timeout=5))
            return monitor[0].execute(PENDING_TASKS_SQL).fetchone()[0]

        def backends() -> list[int]:
            rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [db]).fetchall()
            return [row[0] for row in rows]

        _measure(
            rnd,
            args,
            env,
            [web, worker],
            port,
            token,
            work,
            pending,
            gauges={"PostgreSQL connections to the database": connections},
            other_pids={"PostgreSQL backends of the run's database, open at the end": backends},
            # django-tasks-db's worker says so once it is ready to take tasks.
            ready_lines=[(worker, "Starting worker")],
        )
    finally:
        for connection in monitor:
            connection.close()
        if not args.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            shutil.rmtree(data_dir, ignore_errors=True)
        admin.close()
    return rnd


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "_issue_token":
        return internal_issue_token()
    if len(sys.argv) >= 3 and sys.argv[1] == "_verify":
        return internal_verify(sys.argv[2])

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per round (default 20)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients (default 32)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before measuring (default 2)")
    parser.add_argument("--rounds", default="sqlite,postgres", help="which rounds, comma-separated")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432", help="server, no database")
    parser.add_argument("--pg-db", default="himoya_bench", help="database created and dropped for the round")
    parser.add_argument("--pg-workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--bodies", type=int, default=2000, help="distinct request bodies to cycle through")
    parser.add_argument("--keep", action="store_true", help="keep data directories, logs and the database")
    args = parser.parse_args()
    rounds = [name.strip() for name in args.rounds.split(",") if name.strip()]
    for name in rounds:
        if name not in TARGETS:
            parser.error(f"unknown round {name!r}")

    work = common.temp_dir("himoya-bench-intake-")
    print(
        f"intake benchmark: {args.seconds:.0f} s per round, {args.clients} clients, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in common.load_average())}",
        flush=True,
    )
    results: dict[str, Round] = {}
    try:
        for name in rounds:
            started = time.monotonic()
            rnd = (round_sqlite if name == "sqlite" else round_postgres)(args, work)
            results[name] = rnd
            print(f"\n== {name}: {rnd.shape}", flush=True)
            if rnd.skipped:
                print(f"  skipped: {rnd.skipped}")
            for line in rnd.lines:
                print(line)
            print(f"  round took {time.monotonic() - started:.0f} s", flush=True)
    finally:
        if args.keep:
            print(f"\nlogs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print("\ntargets:")
    for name, rnd in results.items():
        if rnd.reports_per_s is None:
            continue
        rate_ok = rnd.reports_per_s >= TARGETS[name]
        p99_ok = rnd.p99_ms is not None and rnd.p99_ms < P99_TARGET_MS
        print(
            f"  {name:9s} {rnd.reports_per_s:7.1f} reports/s {'met' if rate_ok else 'MISSED'} (≥ {TARGETS[name]:.0f});"
            f" p99 {_ms(rnd.p99_ms)} {'met' if p99_ok else 'MISSED'} (< {P99_TARGET_MS:.0f} ms);"
            f" errors {rnd.errors}; lost {rnd.lost}"
        )

    def figure(name: str, attr: str):
        rnd = results.get(name)
        value = getattr(rnd, attr) if rnd else None
        return None if value is None else round(value, 1)

    ran = [r for r in results.values() if r.reports_per_s is not None]
    print(
        json.dumps(
            {
                "sqlite_reports_per_s": figure("sqlite", "reports_per_s"),
                "sqlite_p99_ms": figure("sqlite", "p99_ms"),
                "postgres_reports_per_s": figure("postgres", "reports_per_s"),
                "postgres_p99_ms": figure("postgres", "p99_ms"),
                "errors": sum(r.errors for r in ran),
                "lost": sum(r.lost for r in ran),
            }
        )
    )


if __name__ == "__main__":
    main()
