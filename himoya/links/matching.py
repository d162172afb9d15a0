"""Which known-link list entries a report's links match.

``exact``: the normal forms are equal. ``prefix``: the link is the entry or lies under it,
cut at a path segment (``t.me/name`` matches ``t.me/name/5``, not ``t.me/names``).
``domain``: the link's host is the entry or one of its subdomains. Every match type is one
indexed lookup of candidate keys (:func:`himoya.triage.engine.links.match_candidates`), so
the cost does not grow with the size of the lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from himoya.links.models import KnownLink
from himoya.triage.engine.links import KnownLinkMatch, Link, match_candidates


def known_matches(links: Iterable[Link]) -> list[tuple[Link, KnownLink]]:
    """(link, entry) for every entry any of ``links`` matches, in one query."""
    wanted: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for link in links:
        for match_type, values in match_candidates(link).items():
            for value in values:
                wanted[(match_type, KnownLink.key_for(value))].append(link)
    if not wanted:
        return []
    by_type: dict[str, set[str]] = defaultdict(set)
    for match_type, key in wanted:
        by_type[match_type].add(key)
    condition = Q()
    for match_type, keys in by_type.items():
        condition |= Q(match_type=match_type, key__in=keys)
    entries = KnownLink.objects.filter(condition).select_related("harm").order_by("id")
    return [(link, entry) for entry in entries for link in wanted[(entry.match_type, entry.key)]]


def engine_matches(links: Iterable[Link]) -> tuple[KnownLinkMatch, ...]:
    """The matches in the triage engine's terms, each entry once."""
    return as_engine_matches({entry.pk: entry for _link, entry in known_matches(links)}.values())


def as_engine_matches(entries: Iterable[KnownLink]) -> tuple[KnownLinkMatch, ...]:
    return tuple(KnownLinkMatch(e.value, e.match_type, e.harm_id, e.source) for e in entries)
