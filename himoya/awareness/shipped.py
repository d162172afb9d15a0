"""Loading the shipped session templates (``data/templates/*.json``) into the database."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from himoya.awareness.models import Audience, SessionTemplate
from himoya.awareness.plans import ActivityPlan, PlanError

TEMPLATES_DIR = Path(__file__).resolve().parent / "data" / "templates"
LANGUAGES = ("en", "ru", "az", "uz")


class TemplateFileError(ValueError):
    pass


def read_template_file(path: Path) -> dict:
    """The file's data, checked: every language present, the same activities in each."""
    data = json.loads(path.read_text(encoding="utf-8"))
    key = data.get("key")
    if not key or data.get("audience") not in Audience.values:
        raise TemplateFileError(f"{path.name}: needs a key and a known audience")
    languages = data.get("languages", {})
    missing = [code for code in LANGUAGES if code not in languages]
    if missing:
        raise TemplateFileError(f"{path.name}: missing languages {', '.join(missing)}")
    shapes = {}
    for code, body in languages.items():
        if not body.get("title"):
            raise TemplateFileError(f"{path.name} [{code}]: no title")
        try:
            plans = [ActivityPlan.from_dict(item) for item in body.get("activities", [])]
        except (PlanError, TypeError) as exc:
            raise TemplateFileError(f"{path.name} [{code}]: {exc}") from None
        shapes[code] = [(p.kind, len(p.options), tuple(p.correct), p.seconds, p.scale_max, p.max_words) for p in plans]
    first = shapes[LANGUAGES[0]]
    for code, shape in shapes.items():
        if shape != first:
            raise TemplateFileError(f"{path.name} [{code}]: activities differ from the {LANGUAGES[0]} ones")
    return data


@transaction.atomic
def load_shipped_templates(directory: Path = TEMPLATES_DIR) -> int:
    """Create or update the shipped templates, in the languages the site offers.

    Idempotent; returns how many rows were written.
    """
    offered = {code for code, _name in settings.LANGUAGES}
    written = 0
    for path in sorted(directory.glob("*.json")):
        data = read_template_file(path)
        for code, body in data["languages"].items():
            if code not in offered:
                continue
            activities = [ActivityPlan.from_dict(item).as_dict() for item in body["activities"]]
            SessionTemplate.objects.update_or_create(
                key=data["key"],
                language=code,
                defaults={
                    "title": body["title"],
                    "description": body.get("description", ""),
                    "audience": data["audience"],
                    "activities": activities,
                    "shipped": True,
                    "updated_at": timezone.now(),
                },
            )
            written += 1
    return written
