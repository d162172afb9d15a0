"""Full-text search of articles: SQLite FTS5 by default, PostgreSQL full-text search on PostgreSQL.

SQLite: one FTS5 table per language (``knowledge_fts_<lang>``, rowid = article id) with the
``unicode61 remove_diacritics 2`` tokenizer; the English table adds ``porter`` stemming,
the only stemmer FTS5 has. PostgreSQL: a ``tsvector`` column ``search_document`` on the
article table, built with the language's text-search configuration (``english``,
``russian``; ``simple`` for Azerbaijani and Uzbek, which PostgreSQL has no dictionary
for) and a GIN index. The migration ``0002_search`` creates whichever the database needs.

The index is written by ``index_article()``, which the actions call in the transaction of
each change, so it never disagrees with the articles. Titles weigh most, then summaries,
then the text. A query first asks for every word; when that finds nothing, for any word.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from himoya.knowledge import textsearch
from himoya.knowledge.models import ARTICLE_LANGUAGES, AUDIENCE_FIELDS, Article, Audience, Status
from himoya.knowledge.rendering import PLACEHOLDER, plain_text

FTS_TABLES = {language: f"knowledge_fts_{language}" for language in ARTICLE_LANGUAGES}
FTS_TOKENIZERS = {language: "unicode61 remove_diacritics 2" for language in ARTICLE_LANGUAGES} | {
    "en": "porter unicode61 remove_diacritics 2"
}
PG_CONFIGS = {"en": "english", "ru": "russian", "az": "simple", "uz": "simple"}
# Languages the database stems itself; the others get light stemming and prefix matching.
STEMMED = {"sqlite": {"en"}, "postgresql": {"en", "ru"}}

MAX_RESULTS = 50


def _documents(article: Article) -> tuple[str, str, str]:
    body = PLACEHOLDER.sub(" ", plain_text(article.body))
    return textsearch.fold(article.title), textsearch.fold(article.summary), textsearch.fold(body)


def index_article(article: Article) -> None:
    """Write ``article``'s words into the search index. Call in the transaction of the change."""
    index_articles([article])


def index_articles(articles: Iterable[Article]) -> None:
    with connection.cursor() as cursor:
        for article in articles:
            title, summary, body = _documents(article)
            if connection.vendor == "postgresql":
                config = PG_CONFIGS.get(article.language, "simple")
                cursor.execute(
                    "UPDATE knowledge_article SET search_document = "
                    "setweight(to_tsvector(%s::regconfig, %s), 'A') || "
                    "setweight(to_tsvector(%s::regconfig, %s), 'B') || "
                    "setweight(to_tsvector(%s::regconfig, %s), 'D') WHERE id = %s",
                    [config, title, config, summary, config, body, article.pk],
                )
            else:
                for table in FTS_TABLES.values():
                    cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [article.pk])  # noqa: S608
                table = FTS_TABLES[article.language]
                cursor.execute(
                    f"INSERT INTO {table} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
                    [article.pk, title, summary, body],
                )


def unindex_article(article_id: int) -> None:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            for table in FTS_TABLES.values():
                cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [article_id])  # noqa: S608


def rebuild_index() -> int:
    """Index every article again (after a restore from backup, say); returns how many."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            for table in FTS_TABLES.values():
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    count = 0
    batch: list[Article] = []
    for article in Article.objects.order_by("pk").iterator(chunk_size=500):
        batch.append(article)
        if len(batch) == 500:
            index_articles(batch)
            count += len(batch)
            batch = []
    index_articles(batch)
    return count + len(batch)


def _fts_match(terms: list[tuple[str, bool]], joiner: str) -> str:
    return f" {joiner} ".join(f'"{word}"*' if prefix else f'"{word}"' for word, prefix in terms)


def _ts_query(terms: list[tuple[str, bool]], joiner: str) -> str:
    return f" {joiner} ".join(f"{word}:*" if prefix else word for word, prefix in terms)


def search(
    query: str,
    language: str,
    *,
    audience: str | None = None,
    harm: str | None = None,
    limit: int = 20,
) -> list[Article]:
    """Published articles in ``language`` that match ``query``, best first."""
    if language not in FTS_TABLES:
        return []
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    stems = language in STEMMED[vendor]
    terms = textsearch.query_terms(query, language, stems=stems)
    if not terms:
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    ids = _search_ids(vendor, terms, "AND", language, audience, harm, limit)
    if not ids and len(terms) > 1:
        ids = _search_ids(vendor, terms, "OR", language, audience, harm, limit)
    found = Article.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _search_ids(vendor, terms, joiner, language, audience, harm, limit) -> list[int]:
    where = ["a.status = %s", "a.language = %s"]
    params: list = [Status.PUBLISHED, language]
    if audience:
        where.append(f"a.{AUDIENCE_FIELDS[Audience(audience)]} = %s")
        params.append(True)
    if harm:
        where.append(
            "a.id IN (SELECT h.article_id FROM knowledge_article_harms h "
            "JOIN reference_harmcategory c ON c.id = h.harmcategory_id WHERE c.code = %s)"
        )
        params.append(harm)
    filters = " AND ".join(where)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            config = PG_CONFIGS[language]
            ts_joiner = "&" if joiner == "AND" else "|"
            cursor.execute(
                "SELECT a.id FROM knowledge_article a, to_tsquery(%s::regconfig, %s) q "  # noqa: S608
                f"WHERE a.search_document @@ q AND {filters} "
                "ORDER BY ts_rank(a.search_document, q) DESC, a.id LIMIT %s",
                [config, _ts_query(terms, ts_joiner), *params, limit],
            )
        else:
            table = FTS_TABLES[language]
            cursor.execute(
                f"SELECT a.id FROM {table} f JOIN knowledge_article a ON a.id = f.rowid "  # noqa: S608
                f"WHERE {table} MATCH %s AND {filters} "
                f"ORDER BY bm25({table}, 10.0, 4.0, 1.0), a.id LIMIT %s",
                [_fts_match(terms, joiner), *params, limit],
            )
        return [row[0] for row in cursor.fetchall()]
