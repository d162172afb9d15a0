"""Search timing of the knowledge base on 10,000 articles, on SQLite (FTS5) and PostgreSQL.

For each engine a throwaway database is made (a temporary SQLite file; a new PostgreSQL
database on the server of ``HIMOYA_BENCH_POSTGRES_URL``, default
``postgres://postgres@127.0.0.1:5432/postgres``, dropped afterwards), migrated, and filled
with 10,000 published articles in four languages. Their text is drawn from the shipped
starter articles, sentence by sentence, so the vocabulary and word frequencies are the real
ones. Then children's queries (one to six words, common and rare) are run through
``himoya.knowledge.search.search()`` exactly as the advice page runs them, results fetched.

Usage: ``python benchmarks/knowledge.py [--articles N] [--queries N] [--engine sqlite|postgresql]``.
The last line printed is JSON: ``{"articles", "search_p50_ms", "search_p99_ms"}`` (the slower
engine's figures), with each engine's figures under ``"engines"``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from _common import PYTHON, on_each_engine, percentile, run_json

QUERIES = {
    "en": [
        "someone wants my photos",
        "blackmail",
        "bullying at school",
        "fake account with my name",
        "scam money",
        "code from sms",
        "hurt myself",
        "adult wants to meet me",
        "dangerous challenge",
        "my address was posted",
        "mean messages",
        "false news",
        "internet",
        "help",
        "password stolen",
        "violent video",
        "hate comments religion",
        "nude photo shared",
        "stalker new accounts",
        "screenshot",
    ],
    "ru": [
        "угрожают фото",
        "шантаж",
        "травля в школе",
        "фейковый аккаунт",
        "обманули деньги",
        "код из смс",
        "навредить себе",
        "взрослый хочет встретиться",
        "опасный челлендж",
        "выложили мой адрес",
        "обижают",
        "фейковые новости",
        "интернет",
        "помощь",
        "украли пароль",
        "жестокое видео",
        "ненависть",
        "интимные фото",
        "преследует",
        "скриншот",
    ],
    "az": [
        "şəkillərimi yaymaqla hədələyir",
        "şantaj",
        "məktəbdə zorakılıq",
        "saxta hesab",
        "pul aldatdılar",
        "sms kodu",
        "özümə zərər",
        "görüşmək istəyir",
        "təhlükəli çellenc",
        "ünvanım paylaşılıb",
        "incidir",
        "yalan xəbər",
        "internet",
        "kömək",
        "parol",
        "zorakı video",
        "nifrət",
        "intim şəkil",
        "izləyir",
        "skrinşot",
    ],
    "uz": [
        "rasmlarimni tarqatish",
        "shantaj",
        "maktabda bezorilik",
        "soxta akkaunt",
        "pul aldashdi",
        "sms kod",
        "oʻzimga zarar",
        "uchrashmoqchi",
        "xavfli chellenj",
        "manzilim joylangan",
        "xafa qilyapti",
        "yolgʻon yangilik",
        "internet",
        "yordam",
        "parol",
        "zoʻravon video",
        "nafrat",
        "intim rasm",
        "taʼqib",
        "skrinshot",
    ],
}


# --- Worker: runs inside Django, against one database ----------------------------------------


def _corpus():
    """Per language: titles, summaries and body sentences of the shipped articles."""
    from himoya.knowledge.loader import starter_files
    from himoya.knowledge.readability import sentences

    corpus: dict[str, dict[str, list[str]]] = {}
    for item in starter_files():
        bucket = corpus.setdefault(item.language, {"titles": [], "summaries": [], "sentences": [], "headings": []})
        bucket["titles"].append(item.content.title)
        bucket["summaries"].append(item.content.summary)
        bucket["headings"] += [line[3:] for line in item.content.body.splitlines() if line.startswith("## ")]
        bucket["sentences"] += [" ".join(words) for words in sentences(item.content.body) if len(words) > 3]
    return corpus


def _generate(count: int, rng: random.Random) -> None:
    from django.db import transaction

    from himoya.knowledge import search
    from himoya.knowledge.models import Article, Status
    from himoya.reference.models import HarmCategory

    corpus = _corpus()
    harms = list(HarmCategory.objects.all())
    languages = sorted(corpus)
    rows = []
    for n in range(count):
        language = languages[n % len(languages)]
        bucket = corpus[language]
        parts = []
        for _section in range(rng.randint(4, 6)):
            parts.append("## " + rng.choice(bucket["headings"]))
            parts.append("\n".join(f"- {s}." for s in rng.sample(bucket["sentences"], rng.randint(3, 6))))
        child = rng.random() < 0.5
        rows.append(
            Article(
                key=f"bench-{n}",
                language=language,
                title=f"{rng.choice(bucket['titles'])} {n}",
                summary=rng.choice(bucket["summaries"]),
                body="\n\n".join(parts) + "\n",
                for_child=child,
                for_teen=child,
                for_parent=not child,
                for_teacher=not child,
                status=Status.PUBLISHED,
                version=1,
            )
        )
    with transaction.atomic():
        created = Article.objects.bulk_create(rows, batch_size=500)
        if any(a.pk is None for a in created):  # backends that do not return ids
            created = list(Article.objects.filter(key__startswith="bench-"))
        through = Article.harms.through
        through.objects.bulk_create(
            [through(article_id=a.pk, harmcategory_id=rng.choice(harms).pk) for a in created], batch_size=1000
        )
        for start in range(0, len(created), 500):
            search.index_articles(created[start : start + 500])


def worker(articles: int, queries: int, seed: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from himoya.knowledge.search import search
    from himoya.reference.loader import load_reference_data

    call_command("migrate", interactive=False, verbosity=0)
    load_reference_data()
    rng = random.Random(seed)
    started = time.perf_counter()
    _generate(articles, rng)
    generated = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_article")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    plan = [(language, q) for language, items in QUERIES.items() for q in items]
    for language, q in plan:  # warm caches once, as a running server has them
        search(q, language)
    timings, hits = [], []
    for n in range(queries):
        language, q = plan[n % len(plan)]
        t0 = time.perf_counter()
        found = search(q, language)
        timings.append((time.perf_counter() - t0) * 1000)
        hits.append(len(found))
    return {
        "engine": connection.vendor,
        "articles": articles,
        "queries": queries,
        "search_p50_ms": round(percentile(timings, 50), 2),
        "search_p99_ms": round(percentile(timings, 99), 2),
        "search_max_ms": round(max(timings), 2),
        "mean_results": round(sum(hits) / len(hits), 1),
        "generate_seconds": round(generated, 1),
    }


# --- Driver: one throwaway database per engine ----------------------------------------------


def _round(engine: str, args) -> dict | None:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--worker", "--articles", str(args.articles)]
    cmd += ["--queries", str(args.queries), "--seed", str(args.seed)]
    return on_each_engine(engine, "kb", lambda env: run_json(cmd, env, what=f"{engine} worker"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.articles, args.queries, args.seed)))
        return
    engines = {}
    for engine in args.engine or ["sqlite", "postgresql"]:
        result = _round(engine, args)
        if result is not None:
            engines[engine] = result
            print(json.dumps(result), file=sys.stderr)
    if not engines:
        sys.exit("no engine could be measured")
    slowest = max(engines.values(), key=lambda r: r["search_p99_ms"])
    print(
        json.dumps(
            {
                "articles": args.articles,
                "search_p50_ms": max(r["search_p50_ms"] for r in engines.values()),
                "search_p99_ms": slowest["search_p99_ms"],
                "engines": {
                    name: {k: r[k] for k in ("search_p50_ms", "search_p99_ms", "search_max_ms")}
                    for name, r in engines.items()
                },
            }
        )
    )


if __name__ == "__main__":
    main()
