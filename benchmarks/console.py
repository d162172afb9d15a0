"""Operator console timing: the queue page with 100,000 open cases, on SQLite and PostgreSQL.

For each engine a database is made (a temporary SQLite file; a PostgreSQL database of its own
on the server of ``HIMOYA_BENCH_POSTGRES_URL``, default
``postgres://postgres@127.0.0.1:5432/postgres``, dropped at the end), migrated, and filled
through the ORM's ``bulk_create`` with 100,000 open cases and 20,000 closed ones: urgencies P1
2 %, P2 15 %, P3 50 %, P4 33 %; deadlines from two days past to three days ahead; every harm,
language, channel and region; one in ten held by one of twenty operators. Then the queue page
is requested through Django's test client, signed in as an operator with both factors — the
whole middleware stack, sessions, permissions, template — and the median of ``--requests``
requests is the figure. The same is done for some filtered views and for the supervisor's shift
view, and the queries of one queue page are counted.

The live-conversation half of the console benchmark lives in ``benchmarks/_console_messages.py``
(``measure_messages()``, returning the p99 in ms of messages across 50 conversations); if
that module is missing its figure is ``null``.

Usage: ``python benchmarks/console.py [--cases N] [--requests N] [--engine sqlite|postgresql]``.
The last line printed is JSON: ``{"queue_ms_sqlite_100k", "queue_ms_postgres_100k",
"queue_queries", "message_p99_ms_50_conversations"}``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from _common import PYTHON, load_average, on_each_engine, run_json

URGENCY_SHARES = [("P1", 0.02), ("P2", 0.15), ("P3", 0.50), ("P4", 0.33)]
OPERATORS = 20
# What operators and supervisors open most: the whole queue, then narrowed views.
VIEWS = {
    "queue": "/en/staff/cases/",
    "unassigned": "/en/staff/cases/?who=unassigned",
    "mine": "/en/staff/cases/?who=mine",
    "p1": "/en/staff/cases/?urgency=P1",
    "harm_language": "/en/staff/cases/?harm=cyberbullying&language=ru",
    "page_10": "/en/staff/cases/?page=10",
    "live_refresh": "/en/staff/cases/",  # the fragment htmx fetches on each socket message
}


# --- Worker: runs inside Django, against one database ----------------------------------------


def _users():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from himoya.accounts import roles
    from himoya.accounts.models import User

    def make(username, role):
        from django.contrib.auth.models import Group

        user = User.objects.create_user(username=username, password=None, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        return user

    operators = [make(f"operator{n}", roles.OPERATOR) for n in range(OPERATORS)]
    return operators, make("supervisor", roles.SUPERVISOR)


def _generate(count: int, closed: int, operators, rng: random.Random) -> None:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from himoya.cases.models import Case, Status
    from himoya.reference.models import HarmCategory, Region
    from himoya.reports.models import Channel

    now = timezone.now()
    harms = list(HarmCategory.objects.values_list("pk", flat=True))
    regions = [*Region.objects.values_list("pk", flat=True), None]
    languages = [code for code, _name in settings.LANGUAGES]
    channels = list(Channel.values)
    urgencies = [u for u, _share in URGENCY_SHARES]
    weights = [share for _u, share in URGENCY_SHARES]

    def case(status):
        deadline = now + timedelta(minutes=rng.uniform(-2 * 24 * 60, 3 * 24 * 60))
        held = status != Status.NEW
        return Case(
            status=status,
            urgency=rng.choices(urgencies, weights)[0],
            harm_id=rng.choice(harms),
            language=rng.choice(languages),
            channel=rng.choice(channels),
            region_id=rng.choice(regions),
            opened_at=deadline - timedelta(hours=rng.uniform(0.25, 72)),
            deadline=deadline,
            assignee_id=rng.choice(operators).pk if held else None,
            closed_at=now if status == Status.CLOSED else None,
            outcome="advice_given" if status == Status.CLOSED else "",
        )

    with transaction.atomic():
        batch = []
        for n in range(count + closed):
            if n >= count:
                status = Status.CLOSED
            else:
                status = Status.OPEN if rng.random() < 0.1 else Status.NEW
            batch.append(case(status))
            if len(batch) == 2000:
                Case.objects.bulk_create(batch)
                batch = []
        Case.objects.bulk_create(batch)


def _client(user):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def _time(client, path: str, requests: int, **headers) -> dict:
    for _warm in range(3):
        assert client.get(path, **headers).status_code == 200
    timings = []
    for _n in range(requests):
        started = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return {"median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1)}


def worker(cases: int, closed: int, requests: int, seed: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from himoya.accounts import roles
    from himoya.cases.models import Case
    from himoya.reference.loader import load_reference_data
    from himoya.shifts.actions import start_shift

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages name their static files by hash
    load_reference_data()
    roles.sync_roles()
    rng = random.Random(seed)
    operators, supervisor = _users()
    started = time.perf_counter()
    _generate(cases, closed, operators, rng)
    generated = time.perf_counter() - started
    with connection.cursor() as cursor:
        # What autovacuum does on a running PostgreSQL; SQLite keeps statistics with ANALYZE.
        cursor.execute("VACUUM ANALYZE cases_case" if connection.vendor == "postgresql" else "ANALYZE")
    for user in (operators[0], supervisor):
        start_shift(user)

    operator = _client(operators[0])
    views = {}
    for name, path in VIEWS.items():
        headers = {"HTTP_HX_REQUEST": "true"} if name == "live_refresh" else {}
        views[name] = _time(operator, path, requests, **headers)
    supervisor_client = _client(supervisor)
    views["queue_as_supervisor"] = _time(supervisor_client, VIEWS["queue"], requests)
    views["shift_view"] = _time(supervisor_client, "/en/staff/cases/shift/", requests)
    with CaptureQueriesContext(connection) as captured:
        operator.get(VIEWS["queue"])
    return {
        "engine": connection.vendor,
        "open_cases": Case.objects.open().count(),
        "all_cases": Case.objects.count(),
        "requests_per_view": requests,
        "queue_ms": views["queue"]["median_ms"],
        "queue_queries": len(captured),
        "views": views,
        "generate_seconds": round(generated, 1),
    }


# --- Driver: one database per engine ----------------------------------------------------------


def bench(engine: str, args) -> dict | None:
    """The queue figures of one engine, measured by a worker process on a fresh database."""
    cmd = [PYTHON, str(Path(__file__).resolve()), "--worker", "--cases", str(args.cases)]
    cmd += ["--closed", str(args.closed), "--requests", str(args.requests), "--seed", str(args.seed)]
    return on_each_engine(engine, "console", lambda env: run_json(cmd, env, what=f"{engine} worker"))


def messages_p99() -> float | None:
    """The live-conversation figure, from its own module when it is there."""
    try:
        from _console_messages import measure_messages
    except ImportError:
        print("benchmarks/_console_messages.py not found: message figure is null", file=sys.stderr)
        return None
    p99 = measure_messages()
    # More than 1% of messages lost reads as infinite latency: JSON says null.
    return p99 if p99 is not None and math.isfinite(p99) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="open cases")
    parser.add_argument("--closed", type=int, default=20_000, help="closed cases besides")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per view")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--no-messages", action="store_true", help="leave out the live-conversation half")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.cases, args.closed, args.requests, args.seed)))
        return
    engines = {}
    for engine in args.engine or ["sqlite", "postgresql"]:
        result = bench(engine, args)
        if result is not None:
            engines[engine] = result
    print(f"load average: {load_average()}")
    for engine, result in engines.items():
        print(
            f"\n{engine}: {result['open_cases']:,} open of {result['all_cases']:,} cases "
            f"(generated in {result['generate_seconds']} s); {result['queue_queries']} queries per queue page"
        )
        for name, figures in result["views"].items():
            print(f"  {name:<22} median {figures['median_ms']:>7.1f} ms   max {figures['max_ms']:>7.1f} ms")
    message_p99 = None if args.no_messages else messages_p99()
    queries = [result["queue_queries"] for result in engines.values()]
    print(
        json.dumps(
            {
                "queue_ms_sqlite_100k": engines.get("sqlite", {}).get("queue_ms"),
                "queue_ms_postgres_100k": engines.get("postgresql", {}).get("queue_ms"),
                "queue_queries": max(queries) if queries else None,
                "message_p99_ms_50_conversations": message_p99,
            }
        )
    )


if __name__ == "__main__":
    main()
