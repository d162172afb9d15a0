"""Storing triage results on cases, and operators' corrections."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.cases.access import can_work
from himoya.cases.models import URGENCY_ORDER, Case, deadline_for
from himoya.hashes.intake import report_matches
from himoya.lib.rows import insert_rows, update_rows
from himoya.links.folding import links_of
from himoya.links.matching import as_engine_matches, engine_matches, known_matches
from himoya.reference.models import HarmCategory, Urgency
from himoya.reports import known
from himoya.triage.engine import TriageInput, TriageResult, find_links
from himoya.triage.models import Correction, Signal
from himoya.triage.service import get_engine

logger = logging.getLogger(__name__)

HELP_NOW_REASON = {
    "signal": "reporter",
    "harm": None,
    "detail": "The reporter asked for help now.",
    "weight": 1.0,
}


def _harm(code: str) -> HarmCategory:
    """A harm category by code, from intake's table in memory (``himoya.reports.known``)."""
    return known.harms.get(code) or HarmCategory.objects.get(code=code)


def _more_urgent(a: str, b: str) -> str:
    return a if URGENCY_ORDER.index(a) <= URGENCY_ORDER.index(b) else b


def triage_report(report) -> Signal:
    """Triage a report and let its case's urgency, deadline and harm follow."""
    return triage_reports([report])[0]


def triage_reports(reports: list) -> list[Signal]:
    """Triage reports together: their pictures' and links' matches read in one query each,
    their texts scored in one pass of the engine, their results stored in one transaction
    (``_store_reports``). If that fails, each report's result is stored in a transaction of
    its own; if one cannot be, the others still are, and the first error is raised at the
    end."""
    if not reports:
        return []
    matches = _matches_by_report(reports)
    known_links = _known_links_by_report(reports)
    inputs = []
    for report in reports:
        found = matches.get(report.pk, [])
        banks = list(dict.fromkeys(match.bank.name for match in found))
        inputs.append(
            TriageInput(
                text=report.narrative,
                harm=report.harm.code if report.harm else None,
                age_group=report.age_group,
                links=tuple(report.links),
                hash_match=bool(found),
                hash_match_label=", ".join(banks),
                hash_match_harm=found[0].bank.harm.code if found else None,
                known_links=known_links[report.pk],
            )
        )
    results = []
    for report, result in zip(reports, get_engine().triage_many(inputs), strict=True):
        reasons = [reason.to_dict() for reason in result.reasons]
        urgency = result.urgency
        if report.needs_help_now:
            urgency = Urgency.P1
            reasons.insert(0, HELP_NOW_REASON)
        results.append((report, result, urgency, reasons))
    try:
        return _store_reports(results)
    except Exception:
        if len(results) == 1:
            raise
        logger.exception("storing the triage of %d reports together failed; storing each alone", len(results))
    signals, failed = [], None
    for report, result, urgency, reasons in results:
        try:
            signals.append(_store(report.case, result, urgency, reasons, report=report, since=report.received_at))
        except Exception as exc:  # one report's failure leaves the others' triage standing
            logger.exception("storing the triage of report %s failed", report.pk)
            failed = failed or exc
    if failed is not None:
        raise failed
    return signals


def _matches_by_report(reports) -> dict[int, list]:
    """Each report's hash matches (``report_matches``), for all of them in one query."""
    found: dict[int, list] = {}
    for match in report_matches(reports):
        found.setdefault(match.report_id, []).append(match)
    return found


def _known_links_by_report(reports) -> dict[int, tuple]:
    """Each report's known-link matches in the engine's terms (``engine_matches``), for all
    of them in one query."""
    owner: dict[int, int] = {}
    links = []
    for report in reports:
        for link in links_of(report.narrative, report.links):
            owner[id(link)] = report.pk
            links.append(link)
    entries: dict[int, dict] = {report.pk: {} for report in reports}
    for link, entry in known_matches(links):
        entries[owner[id(link)]][entry.pk] = entry
    return {report_id: as_engine_matches(found.values()) for report_id, found in entries.items()}


def triage_message(message) -> Signal:
    """Triage an incoming chat message; it can raise the case's urgency, never lower it."""
    result = get_engine().triage(TriageInput(text=message.body, known_links=engine_matches(find_links(message.body))))
    reasons = [reason.to_dict() for reason in result.reasons]
    return _store(message.case, result, result.urgency, reasons, message=message, since=message.created_at)


def _signal(case: Case, result: TriageResult, urgency: str, reasons: list, *, report=None, message=None) -> Signal:
    return Signal(
        case=case,
        report=report,
        message=message,
        language=result.language,
        language_confidence=result.language_confidence,
        harms=result.harms,
        flagged=result.flagged,
        urgency=urgency,
        reasons_json=json.dumps(reasons, ensure_ascii=False),
    )


def _follow(case: Case, signal: Signal, *, first: bool, since) -> list[str]:
    """Let ``case`` follow a new signal; the fields that changed (``updated_at`` always).

    ``first``: the case had no other signal. A report's first signal sets urgency and
    deadline from the case's opening; later signals only raise urgency, and the deadline
    can only come closer. A case an operator corrected no longer moves."""
    if case.triage_overridden:
        return []
    fields = ["updated_at"]
    urgency, report = signal.urgency, signal.report
    if report is not None and first:
        case.urgency = urgency
        case.deadline = deadline_for(urgency, case.opened_at)
        fields += ["urgency", "deadline"]
    elif _more_urgent(urgency, case.urgency) != case.urgency:
        case.urgency = urgency
        case.deadline = min(case.deadline, deadline_for(urgency, since))
        fields += ["urgency", "deadline"]
    top = signal.top_harm
    if top and case.harm_id == _harm("other").pk and (report is None or report.harm is None):
        case.harm = _harm(top)
        fields.append("harm")
    return fields


def _store(case: Case, result: TriageResult, urgency: str, reasons: list, *, since, report=None, message=None):
    with transaction.atomic():
        if report is not None:
            # Triaging a report again (a hash list now matches its picture) replaces its signal.
            Signal.objects.filter(report=report).delete()
        signal = _signal(case, result, urgency, reasons, report=report, message=message)
        signal.save()
        case = Case.objects.select_for_update().get(pk=case.pk)
        # Only a report's signal asks whether it is the case's first (a message's never sets).
        first = report is not None and not case.signals.exclude(pk=signal.pk).exists()
        if fields := _follow(case, signal, first=first, since=since):
            case.save(update_fields=fields)
    return signal


def _store_reports(results: list) -> list[Signal]:
    """``_store`` for many reports' results in one transaction, with the same outcome as one
    after another in order (a case two of them share follows both): their old signals
    deleted, their cases locked and read, and their new signals inserted in one statement
    each; then one update per case that changed."""
    reports = [report for report, _result, _urgency, _reasons in results]
    with transaction.atomic():
        Signal.objects.filter(report__in=reports).delete()
        case_ids = sorted({report.case_id for report in reports})
        cases = {case.pk: case for case in Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk")}
        signalled = set(Signal.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True).distinct())
        signals = [
            _signal(cases[report.case_id], result, urgency, reasons, report=report)
            for report, result, urgency, reasons in results
        ]
        insert_rows(signals, returning=True)
        changed: dict[int, set[str]] = {}
        for signal, report in zip(signals, reports, strict=True):
            fields = _follow(
                cases[report.case_id], signal, first=report.case_id not in signalled, since=report.received_at
            )
            signalled.add(report.case_id)
            if fields:
                changed.setdefault(report.case_id, set()).update(fields)
        # The fields any of them changed, for all of them in one statement: a case that did
        # not change one writes back the value it holds (locked above).
        update_rows([cases[case_id] for case_id in changed], sorted(set().union(*changed.values())))
    return signals


def correct_triage(case: Case, operator, *, harm: HarmCategory, urgency: str) -> Correction | None:
    """An operator sets harm and urgency; kept as a labelled example for retraining.

    Returns None when nothing changed. From then on triage no longer moves the case.
    """
    if not can_work(operator, case):
        raise PermissionDenied
    if urgency not in Urgency.values:
        raise ValueError(f"unknown urgency {urgency!r}")
    if harm.pk == case.harm_id and urgency == case.urgency:
        return None
    first_report = case.reports.order_by("id").first()
    latest = case.signals.filter(report__isnull=False).order_by("-id").first()
    with transaction.atomic():
        correction = Correction.objects.create(
            case=case,
            operator=operator,
            text=first_report.narrative if first_report else "",
            language=first_report.language if first_report else case.language,
            predicted_harm=(latest.top_harm or "") if latest else "",
            harm_before=case.harm.code,
            harm_after=harm.code,
            urgency_before=case.urgency,
            urgency_after=urgency,
        )
        if urgency != case.urgency:
            case.deadline = deadline_for(urgency, case.opened_at)
        case.harm = harm
        case.urgency = urgency
        case.triage_overridden = True
        case.save(update_fields=["harm", "urgency", "deadline", "triage_overridden", "updated_at"])
        log(
            Action.TRIAGE_CORRECTED,
            actor=operator,
            case=case,
            harm=[correction.harm_before, correction.harm_after],
            urgency=[correction.urgency_before, correction.urgency_after],
        )
    return correction


def export_corrections(stream) -> int:
    """Write corrections as JSON lines {"text", "harm", "language"} for ``train --include-corrections``."""
    count = 0
    for correction in Correction.objects.order_by("id").iterator():
        if correction.text:
            stream.write(
                json.dumps(
                    {"text": correction.text, "harm": correction.harm_after, "language": correction.language},
                    ensure_ascii=False,
                )
                + "\n"
            )
            count += 1
    return count


def agreement_by_harm(since=None) -> list[dict]:
    """Per harm: cases triage labelled, and how often operators kept its label.

    A case counts for the harm triage flagged first on its first report; it "agrees" when
    no correction changed the harm away from that.
    """
    since = since or timezone.now() - timedelta(days=90)
    rows: dict[str, dict] = {}
    signals = Signal.objects.filter(report__isnull=False, created_at__gte=since).select_related("case__harm")
    first_per_case: dict[int, Signal] = {}
    for signal in signals.order_by("id"):
        first_per_case.setdefault(signal.case_id, signal)
    for signal in first_per_case.values():
        predicted = signal.top_harm
        if not predicted:
            continue
        row = rows.setdefault(predicted, {"harm": predicted, "cases": 0, "agreed": 0})
        row["cases"] += 1
        row["agreed"] += signal.case.harm.code == predicted
    for row in rows.values():
        row["rate"] = row["agreed"] / row["cases"]
    return sorted(rows.values(), key=lambda r: r["harm"])
