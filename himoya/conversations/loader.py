"""The starter canned replies shipped with Himoya (``data/canned_replies.json``), loaded at bootstrap.

Each entry has a ``key``, a harm code (or null: any harm) and a title and text per language.
Loading is idempotent and matches rows by key and language: a reply not loaded before is
created, one loaded before is refreshed from the file, and one a supervisor has edited here
is left as they wrote it.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from himoya.conversations.models import CannedReply
from himoya.reference.models import HarmCategory

DATA = Path(__file__).parent / "data" / "canned_replies.json"


@transaction.atomic
def load_canned_replies(languages: list[str] | None = None, path: Path = DATA) -> int:
    """Create or refresh the shipped replies (in ``languages`` when given); how many were written."""
    harms = {harm.code: harm for harm in HarmCategory.objects.all()}
    existing = {(row.key, row.language): row for row in CannedReply.objects.exclude(key="")}
    written = 0
    for entry in json.loads(path.read_text(encoding="utf-8")):
        harm = harms[entry["harm"]] if entry["harm"] else None
        for language, text in entry["texts"].items():
            if languages is not None and language not in languages:
                continue
            row = existing.get((entry["key"], language))
            if row is None:
                row = CannedReply(key=entry["key"], language=language)
            elif row.edited or (row.title, row.body, row.harm_id) == (text["title"], text["body"], harm and harm.pk):
                continue
            row.harm, row.title, row.body = harm, text["title"], text["body"]
            row.save()
            written += 1
    return written
