"""Loading the shipped reference data. Idempotent: rows are matched by code."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from himoya.reference.models import HarmCategory, Region

DATA = Path(__file__).parent / "data"


@transaction.atomic
def load_reference_data(countries: list[str] | None = None) -> None:
    """Create or update every harm and region from the data files.

    Regions of countries not in ``countries`` (when given) are made inactive, so the form
    offers only the regions a deployment serves.
    """
    for item in json.loads((DATA / "harms.json").read_text(encoding="utf-8")):
        HarmCategory.objects.update_or_create(
            code=item["code"],
            defaults={
                "sort": item["sort"],
                "names": item["name"],
                "child_wording": item["child"],
                "default_urgency": item["default_urgency"],
                "restricted": item["restricted"],
                "chi_category": item["chi"],
                "ncmec_incident_type": item["ncmec"] or "",
            },
        )
    for item in json.loads((DATA / "regions.json").read_text(encoding="utf-8")):
        Region.objects.update_or_create(
            code=item["code"],
            defaults={
                "country": item["country"],
                "names": item["name"],
                "active": countries is None or item["country"] in countries,
            },
        )
