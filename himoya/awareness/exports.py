"""Results as CSV and as a PDF summary with charts.

The PDF's charts are SVG drawn here on the server (simple bars), so the PDF needs no
JavaScript; WeasyPrint (the platform's PDF engine, shared with the knowledge base's
leaflets) turns the HTML into PDF.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from himoya.awareness.models import Activity, Kind

BAR_COLOUR = "#0b5cad"
RIGHT_COLOUR = "#146c2e"


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango it needs) is not installed."""


def _labels(activity: Activity, result: dict) -> list[tuple[str, int, bool]]:
    """(label, count, is the right answer) per bar."""
    counts = result.get("counts") or []
    if activity.kind == Kind.RATING:
        return [(str(value), count, False) for value, count in enumerate(counts, start=1)]
    if activity.kind == Kind.WORD_CLOUD:
        return [(word, count, False) for word, count in (result.get("words") or [])[:12]]
    correct = set(result.get("correct") or activity.correct)
    return [(option, counts[i] if i < len(counts) else 0, i in correct) for i, option in enumerate(activity.options)]


def chart_svg(activity: Activity, result: dict, width: int = 640) -> str:
    """A horizontal bar chart of the tally, as an inline SVG (accessible name included)."""
    bars = _labels(activity, result)
    if not bars:
        return ""
    label_w = int(width * 0.42)
    bar_w = width - label_w - 60
    row_h = 30
    height = row_h * len(bars) + 10
    top = max((count for _label, count, _right in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(activity.prompt)}">'
    ]
    for index, (label, count, right) in enumerate(bars):
        y = 5 + index * row_h
        length = round(bar_w * count / top)
        shown = label if len(label) <= 48 else label[:47] + "…"
        mark = " ✓" if right else ""
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" font-size="13" '
            f'font-family="DejaVu Sans, sans-serif" fill="#1b1b1f">{escape(shown)}{mark}</text>'
        )
        colour = RIGHT_COLOUR if right else BAR_COLOUR
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{max(length, 1)}" height="{row_h - 10}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + max(length, 1) + 6}" y="{y + 19}" font-size="13" '
            f'font-family="DejaVu Sans, sans-serif" fill="#1b1b1f">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def results_csv(context: dict) -> str:
    """One row per answer option (or rating, or word), then the leaderboard and the shown questions."""
    session = context["session"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "activity", "kind", "prompt", "answer", "count", "share", "right_answer"])
    for row in context["rows"]:
        activity = row["activity"]
        result = row.get("tally")
        if not result:
            continue
        total = result.get("total") or 0
        bars = _labels(activity, result)
        if activity.kind == Kind.WORD_CLOUD:
            bars = [(word, count, False) for word, count in result.get("words") or []]
        for label, count, right in bars:
            share = f"{count / total:.3f}" if total else ""
            right_text = ("yes" if right else "no") if activity.kind == Kind.QUIZ else ""
            writer.writerow(
                ["answers", activity.position + 1, activity.kind, activity.prompt, label, count, share, right_text]
            )
        if activity.kind == Kind.RATING and result.get("average") is not None:
            writer.writerow(
                ["answers", activity.position + 1, activity.kind, activity.prompt, "average", result["average"], "", ""]
            )
        writer.writerow(["answers", activity.position + 1, activity.kind, activity.prompt, "total", total, "", ""])
    for standing in context["leaderboard"]:
        writer.writerow(["leaderboard", "", "quiz", "", standing.name, standing.points, "", standing.right])
    for question in context["questions"]:
        writer.writerow(
            ["questions", "", "qa", question.text, "answered" if question.answered else "", question.upvotes, "", ""]
        )
    for name, value in context["figures"].items():
        writer.writerow(["figures", "", "", name, "", value, "", ""])
    writer.writerow(["session", "", "", session.title, session.scheduled_for.isoformat(), "", "", ""])
    return out.getvalue()


def summary_html(context: dict) -> str:
    session = context["session"]
    with translation.override(session.language):
        return render_to_string(
            "awareness/summary_pdf.html",
            {**context, "CENTER_NAME": settings.CENTER_NAME, "made_at": timezone.localtime()},
        )


def summary_pdf(request, context: dict) -> bytes:
    try:
        from weasyprint import HTML  # loads Pango: imported only when a PDF is made
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(str(exc)) from None
    return HTML(string=summary_html(context), base_url=settings.SITE_URL).write_pdf()
