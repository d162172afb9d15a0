"""The starter set: the center's advice articles shipped with Himoya, loaded on first run.

One Markdown file per article, ``data/articles/<language>/<key>.md``, with a small header::

    ---
    title: Someone is threatening to share your photos
    summary: What to do right now if someone asks for money or more pictures.
    audiences: child, teen
    harms: sextortion
    review: 2027-06-30
    ---
    ## What it looks like
    ...

Loading is idempotent. A file not loaded before becomes a published article; a file that
changed since it was loaded updates its article, unless staff have edited that article
here, in which case their text is kept. Unchanged files cost one query in all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from himoya.knowledge import actions
from himoya.knowledge.models import Article

ARTICLES = Path(__file__).parent / "data" / "articles"


@dataclass(frozen=True)
class ArticleFile:
    key: str
    language: str
    content: actions.Content
    digest: str
    path: Path


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited here: the shipped change was not applied
    unchanged: int = 0


def parse(path: Path) -> ArticleFile:
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path}: no header")
    header, _sep, body = text[4:].partition("\n---\n")
    meta: dict[str, str] = {}
    for line in header.splitlines():
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"{path}: bad header line {line!r}")
        meta[name.strip()] = value.strip()
    missing = {"title", "summary", "audiences", "harms"} - meta.keys()
    if missing:
        raise ValueError(f"{path}: header lacks {', '.join(sorted(missing))}")

    def _list(value: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in value.split(",") if item.strip())

    content = actions.Content(
        title=meta["title"],
        summary=meta["summary"],
        body=body,
        audiences=_list(meta["audiences"]),
        harm_codes=_list(meta["harms"]),
        review_due=date.fromisoformat(meta["review"]) if meta.get("review") else None,
    )
    return ArticleFile(
        key=path.stem, language=path.parent.name, content=content, digest=hashlib.sha256(raw).hexdigest(), path=path
    )


def starter_files(languages: list[str] | None = None, keys: list[str] | None = None) -> list[ArticleFile]:
    files = []
    for path in sorted(ARTICLES.glob("*/*.md")):
        if languages is not None and path.parent.name not in languages:
            continue
        if keys is not None and path.stem not in keys:
            continue
        files.append(parse(path))
    return files


def load_starter_articles(languages: list[str] | None = None, keys: list[str] | None = None) -> LoadResult:
    """Create or refresh the shipped articles (of ``languages`` / ``keys`` when given)."""
    result = LoadResult()
    files = starter_files(languages, keys)
    loaded = {
        (key, language): digest
        for key, language, digest in Article.objects.values_list("key", "language", "source_digest")
    }
    edited_here = set(
        Article.objects.filter(versions__created_by__isnull=False).values_list("key", "language").distinct()
    )
    with transaction.atomic():
        for item in files:
            name = f"{item.language}/{item.key}"
            where = (item.key, item.language)
            if where not in loaded:
                actions.create_article(item.key, item.language, item.content, publish=True, source_digest=item.digest)
                result.created.append(name)
            elif loaded[where] == item.digest:
                result.unchanged += 1
            elif where in edited_here:
                result.kept.append(name)
            else:
                article = Article.objects.get(key=item.key, language=item.language)
                actions.save_changes(article, item.content, source_digest=item.digest)
                result.updated.append(name)
    return result
