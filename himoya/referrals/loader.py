"""Loading the shipped partner directory (``data/partners.json``). Safe to repeat."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from himoya.referrals.models import PartnerOrganisation

DATA = Path(__file__).parent / "data"


@transaction.atomic
def load_partner_directory(countries: list[str] | None = None) -> int:
    """Add the shipped partners a deployment serves that it does not have yet; returns how many.

    Unlike the harm taxonomy, the directory belongs to the center once shipped: addresses
    change and are corrected in the admin, so an entry that exists (matched by ``code``) is
    never overwritten. To retire a shipped entry, make it inactive: a deleted one comes back
    at the next start. Partners of other countries are left out; those without a country
    (platforms) are always added.
    """
    added = 0
    for item in json.loads((DATA / "partners.json").read_text(encoding="utf-8")):
        if countries is not None and item["country"] and item["country"] not in countries:
            continue
        _row, created = PartnerOrganisation.objects.get_or_create(
            code=item["code"],
            defaults={
                "kind": item["kind"],
                "country": item["country"],
                "name": item["name"],
                "email": item["email"],
                "url": item["url"],
            },
        )
        added += created
    return added
