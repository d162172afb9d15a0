"""Links: extraction and normalisation throughput, and known-link lookups against 100,000 entries.

Two parts:

* **engine** (no database): report-like texts in English, Russian, Azerbaijani and Uzbek with
  zero to three links each, written the many ways reporters write them (schemes or none,
  ``www.``/``m.``, tracking parameters, ``youtu.be``, ``@name`` beside the platform's name,
  e-mail addresses that must not count) run through ``find_links`` - texts per CPU-second of
  one process; and single links through ``describe_link`` - links per CPU-second.
* **lookups**, per database engine (a temporary SQLite file; a throwaway PostgreSQL database
  on ``HIMOYA_BENCH_POSTGRES_URL``, default ``postgres://postgres@127.0.0.1:5432/postgres``,
  when reachable): 100,000 entries (exact, prefix and domain) imported as a CSV file through
  ``import_known_links``, as a supervisor would; then the links of report texts matched with
  ``known_matches`` as triage does (links found in the text, then one indexed query) - p50/p99
  wall-clock per report and mean CPU per report, and a check that every planted match was
  found and nothing else.

Usage: ``python benchmarks/links.py [--entries N] [--texts N] [--engine sqlite|postgresql]``.
The last line printed is JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

from _common import PYTHON, ROOT, on_each_engine, percentile, run_json

sys.path.insert(0, str(ROOT))

WORDS = {
    "en": "they keep sending this to everyone in class please help me the channel shows kids doing bad things".split(),
    "ru": "они присылают это всему классу помогите канал показывает детей которые делают опасные вещи".split(),
    "az": "bunu bütün sinfə göndərirlər kömək edin kanal təhlükəli işlər görən uşaqları göstərir".split(),
    "uz": "ular buni butun sinfga yuborishyapti yordam bering kanal xavfli ishlar qilayotgan bolalar".split(),
}


def _name(rng: random.Random, n: int) -> str:
    return f"{rng.choice(['dark', 'blue', 'kid', 'game', 'club', 'x'])}_{n:06d}"


def _spell(rng: random.Random, link: str) -> str:
    """``link`` (a normal form) written as a reporter might."""
    scheme = rng.choice(["", "https://", "http://", "https://www.", "HTTPS://"])
    tail = rng.choice(["", "/", "?utm_source=share", "?igshid=abc123&utm_medium=copy", "#comments"])
    if "?" in link:
        tail = tail.replace("?", "&").lstrip("/")
    if link.startswith("t.me/") and rng.random() < 0.3:
        return "@" + link.split("/", 1)[1]
    return scheme + link + tail


def _text(rng: random.Random, language: str, links: list[str]) -> str:
    words = rng.choices(WORDS[language], k=rng.randint(12, 60))
    for link in links:
        spelled = _spell(rng, link)
        if spelled.startswith("@"):
            spelled = f"telegram {spelled}"
        words.insert(rng.randint(0, len(words)), spelled)
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), f"{rng.choice(['ali', 'olga'])}.{rng.randint(1, 99)}@mail.ru")
    return " ".join(words)


def _random_link(rng: random.Random, n: int) -> str:
    kind = rng.random()
    if kind < 0.3:
        return f"t.me/{_name(rng, n)}"
    if kind < 0.45:
        return f"instagram.com/{_name(rng, n)}"
    if kind < 0.6:
        return f"tiktok.com/@{_name(rng, n)}/video/{rng.randint(10**9, 10**10)}"
    if kind < 0.7:
        return f"youtube.com/watch?v={rng.randint(10**10, 10**11):x}"
    return f"site{n}.{rng.choice(['uz', 'az', 'ru', 'com', 'xyz'])}/{rng.choice(['join', 'news', 'p'])}/{n}"


# --- engine -----------------------------------------------------------------------------------


def bench_engine(texts: int, seed: int) -> dict:
    from himoya.triage.engine.links import describe_link, find_links

    rng = random.Random(seed)
    corpus = [
        _text(
            rng, rng.choice(list(WORDS)), [_random_link(rng, rng.randint(0, 10**6)) for _ in range(rng.randint(0, 3))]
        )
        for _ in range(texts)
    ]
    singles = [_spell(rng, _random_link(rng, n)) for n in range(texts * 2)]
    find_links(corpus[0])  # data files load once per process
    started, wall = time.process_time(), time.perf_counter()
    found = sum(len(find_links(text)) for text in corpus)
    cpu = time.process_time() - started
    wall = time.perf_counter() - wall
    started = time.process_time()
    described = sum(describe_link(link) is not None for link in singles)
    single_cpu = time.process_time() - started
    return {
        "texts": texts,
        "links_found": found,
        "texts_per_cpu_second": round(texts / cpu),
        "texts_per_second_wall": round(texts / wall),
        "mean_chars_per_text": round(sum(map(len, corpus)) / texts),
        "links_per_cpu_second": round(len(singles) / single_cpu),
        "links_recognised": described,
        "links_given": len(singles),
    }


# --- lookups (one process per database engine) -------------------------------------------------


def worker(entries: int, texts: int, seed: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from himoya.accounts.models import User
    from himoya.links.actions import import_known_links
    from himoya.links.matching import known_matches
    from himoya.links.models import KnownLink
    from himoya.reference.loader import load_reference_data
    from himoya.triage.engine.links import find_links

    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data()
    admin = User.objects.create_superuser("bench", password=uuid.uuid4().hex)
    rng = random.Random(seed)
    harms = ["dangerous_challenge", "self_harm", "scam", "csam", "violent_extremism"]
    lines = ["value,match,harm,source,note"]
    exact, prefix, domain = [], [], []
    for n in range(entries):
        roll = rng.random()
        if roll < 0.6:
            value = _random_link(rng, n)
            exact.append(value)
            lines.append(f"{value},exact,{rng.choice(harms)},bench,")
        elif roll < 0.85:
            value = f"t.me/{_name(rng, n)}" if rng.random() < 0.5 else f"listed{n}.uz/section"
            prefix.append(value)
            lines.append(f"{value},prefix,{rng.choice(harms)},bench,")
        else:
            value = f"bad{n}.{rng.choice(['xyz', 'ru', 'top'])}"
            domain.append(value)
            lines.append(f"{value},domain,{rng.choice(harms)},bench,")
    data = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    result = import_known_links(admin, data)
    import_seconds = time.perf_counter() - started
    if result.errors:
        sys.exit(f"the generated list had errors: {result.errors[:3]}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE links_knownlink")

    plan = []
    for n in range(texts):
        links = [_random_link(rng, 10**7 + n * 4 + i) for i in range(rng.randint(0, 3))]  # never listed
        planted = None
        roll = rng.random()
        if roll < 0.1:
            planted = rng.choice(exact)
            links.append(planted)
        elif roll < 0.15:
            planted = rng.choice(prefix)
            links.append(f"{planted}/{rng.randint(1, 999)}")
        elif roll < 0.2:
            planted = rng.choice(domain)
            links.append(f"www.{rng.choice(['news', 'm2', 'a.b'])}.{planted}/page")
        plan.append((_text(rng, rng.choice(list(WORDS)), links), planted))
    for text, _planted in plan[:50]:  # warm the connection and caches, as a running worker has them
        known_matches(find_links(text))
    timings, wrong = [], 0
    cpu_started = time.process_time()
    for text, planted in plan:
        t0 = time.perf_counter()
        matches = known_matches(find_links(text))
        timings.append((time.perf_counter() - t0) * 1000)
        wrong += sorted(entry.value for _link, entry in matches) != ([planted] if planted else [])
    cpu_ms = (time.process_time() - cpu_started) * 1000 / texts
    return {
        "engine": connection.vendor,
        "entries": KnownLink.objects.count(),
        "import_seconds": round(import_seconds, 1),
        "reports_looked_up": texts,
        "planted_matches": sum(1 for _t, p in plan if p),
        "wrong_results": wrong,
        "lookup_p50_ms": round(percentile(timings, 50), 3),
        "lookup_p99_ms": round(percentile(timings, 99), 3),
        "lookup_max_ms": round(max(timings), 3),
        # This process's CPU per report: on SQLite the database's work too, on PostgreSQL the client's only.
        "lookup_cpu_ms_mean": round(cpu_ms, 3),
    }


def _round(engine: str, args) -> dict | None:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--worker", "--entries", str(args.entries)]
    cmd += ["--texts", str(args.texts), "--seed", str(args.seed)]
    return on_each_engine(engine, "links", lambda env: run_json(cmd, env, what=f"{engine} worker"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--texts", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.entries, args.texts, args.seed)))
        return
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    engine = bench_engine(args.texts * 4, args.seed)
    print(json.dumps({"engine_links": engine}), file=sys.stderr)
    lookups = {}
    for name in args.engine or ["sqlite", "postgresql"]:
        result = _round(name, args)
        if result is not None:
            lookups[name] = result
            print(json.dumps(result), file=sys.stderr)
    print(
        json.dumps(
            {
                "texts_per_cpu_second": engine["texts_per_cpu_second"],
                "links_per_cpu_second": engine["links_per_cpu_second"],
                "entries": args.entries,
                "lookup_p50_ms": max((r["lookup_p50_ms"] for r in lookups.values()), default=None),
                "lookup_p99_ms": max((r["lookup_p99_ms"] for r in lookups.values()), default=None),
                "wrong_results": sum(r["wrong_results"] for r in lookups.values()),
                "engine": engine,
                "databases": lookups,
            }
        )
    )


if __name__ == "__main__":
    main()
