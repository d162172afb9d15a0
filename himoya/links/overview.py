"""What the case page shows about links: per report, each link with what is known about
it, and the case's possible duplicates.

Built once per page for all the case's reports in a fixed number of queries, whatever the
number of reports or links. Other cases are counted and named only if the viewer may see
them (restricted harms).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from himoya.cases.models import Case
from himoya.links.matching import known_matches
from himoya.links.models import KnownLink, PossibleDuplicate, ReportLink
from himoya.triage.engine.links import DOMAIN, HANDLE, URL, describe_link

# Other cases named beside one link; the rest are counted.
MAX_CASES_NAMED = 10

KIND_LABELS = {URL: _("web address"), DOMAIN: _("whole website"), HANDLE: _("user name")}
PLATFORM_NAMES = {
    "telegram": "Telegram",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "vk": "VK",
    "x": "X (Twitter)",
    "facebook": "Facebook",
    "whatsapp": "WhatsApp",
    "discord": "Discord",
    "snapchat": "Snapchat",
    "threads": "Threads",
    "twitch": "Twitch",
    "ok": "Odnoklassniki",
    "likee": "Likee",
}


@dataclass
class FoundLink:
    row: ReportLink
    known: list[KnownLink] = field(default_factory=list)
    other_reports: int = 0  # other reports, in this case or others, with the same link
    other_cases: list[int] = field(default_factory=list)  # other cases holding it, oldest first
    more_cases: int = 0  # other cases beyond those named

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.row.kind, self.row.kind)

    @property
    def platform_name(self) -> str:
        return PLATFORM_NAMES.get(self.row.platform, self.row.platform)


@dataclass
class Suggestion:
    other: Case
    reason: str
    later: bool  # this case was opened after the other one


class CaseLinks:
    def __init__(self, case: Case, user) -> None:
        visible = Case.objects.visible_to(user)
        rows = list(ReportLink.objects.filter(report__case=case).order_by("report_id", "id"))
        self._by_report: dict[int, list[FoundLink]] = defaultdict(list)
        found = []
        for row in rows:
            item = FoundLink(row)
            self._by_report[row.report_id].append(item)
            found.append(item)
        self._count_mentions(case, visible, found)
        self._match_lists(found)
        self.suggestions = []
        for item in PossibleDuplicate.objects.filter(
            Q(case=case, other__in=visible) | Q(other=case, case__in=visible)
        ).select_related("case", "other"):
            other = item.other if item.case_id == case.pk else item.case
            later = (case.opened_at, case.pk) > (other.opened_at, other.pk)
            self.suggestions.append(Suggestion(other=other, reason=item.get_reason_display(), later=later))

    def for_report(self, report_id: int) -> list[FoundLink]:
        return self._by_report.get(report_id, [])

    @staticmethod
    def _count_mentions(case: Case, visible, found: list[FoundLink]) -> None:
        if not found:
            return
        per_key: dict[str, dict[int, int]] = defaultdict(dict)
        counts = (
            ReportLink.objects.filter(key__in={item.row.key for item in found}, report__case__in=visible)
            .values("key", "report__case_id")
            .annotate(reports=Count("id"))
            .order_by("report__case_id")
        )
        for row in counts:
            per_key[row["key"]][row["report__case_id"]] = row["reports"]
        for item in found:
            cases = per_key.get(item.row.key, {})
            item.other_reports = max(sum(cases.values()) - 1, 0)
            others = [case_id for case_id in cases if case_id != case.pk]
            item.other_cases = others[:MAX_CASES_NAMED]
            item.more_cases = max(len(others) - MAX_CASES_NAMED, 0)

    @staticmethod
    def _match_lists(found: list[FoundLink]) -> None:
        by_form: dict[str, list[FoundLink]] = defaultdict(list)
        links = []
        for item in found:
            link = describe_link(item.row.normalized)
            if link is not None:
                by_form[link.normalized].append(item)
                links.append(link)
        for link, entry in known_matches(links):
            for item in by_form[link.normalized]:
                if entry not in item.known:
                    item.known.append(entry)
