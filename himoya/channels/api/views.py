"""The partner API: reports in, status out. OpenAPI at /api/docs."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.responses import Status as Reply

from himoya.cases.models import STATUS_FOR_REPORTER, Status
from himoya.channels.api.auth import PartnerTokenAuth
from himoya.channels.api.schemas import Error, ReportCreated, ReportIn, ReportStatus
from himoya.reports import intake, known
from himoya.reports.actions import NewReport
from himoya.reports.lookup import TooManyAttempts, lookup_report
from himoya.reports.models import Channel
from himoya.reports.validation import clean_links, clean_text

api = NinjaAPI(
    title="Himoya partner API",
    version="1",
    description="Send reports of online harm to children, and follow their status. "
    "Authenticate with `Authorization: Bearer <token>`; tokens are issued by the center.",
    urls_namespace="api",
    docs_url="/docs",
    auth=PartnerTokenAuth(),
)

_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")
ERRORS = {400: Error, 401: Error, 413: Error, 422: Error}


def _error(request, status: int, message: str, field: str | None = None):
    return api.create_response(request, {"message": str(message), "field": field}, status=status)


# Pydantic's refusals, in the partner's language (Accept-Language): a body the schema
# refuses has no report language yet.
SCHEMA_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "string_type": gettext_lazy("This must be text."),
    "list_type": gettext_lazy("This must be a list."),
    "bool_type": gettext_lazy("This must be true or false."),
    "bool_parsing": gettext_lazy("This must be true or false."),
}


def _schema_message(error: dict) -> str:
    kind, context = error.get("type"), error.get("ctx") or {}
    if kind in SCHEMA_MESSAGES:
        return str(SCHEMA_MESSAGES[kind])
    if kind == "literal_error":  # expected is "'a', 'b' or 'c'": listed again without English words
        choices = ", ".join(re.findall(r"'([^']*)'", str(context.get("expected", ""))))
        return _("This must be one of: %(choices)s.") % {"choices": choices}
    limit = context.get("max_length")
    if kind == "string_too_long" and isinstance(limit, int):
        return ngettext(
            "This must be at most %(count)d character long.", "This must be at most %(count)d characters long.", limit
        ) % {"count": limit}
    if kind == "too_long" and isinstance(limit, int):
        return ngettext("This must have at most %(count)d item.", "This must have at most %(count)d items.", limit) % {
            "count": limit
        }
    return _("This value is not acceptable.")


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


@api.exception_handler(SchemaError)
def _schema_error(request, exc):
    first = exc.errors[0] if exc.errors else {}
    if first.get("loc", ("body",))[0] == "body" and not _is_json_object(request.body):
        return _error(request, 422, _("The body must be a JSON object with the report's fields."))
    location = [str(part) for part in first.get("loc", []) if part not in ("body", "payload")]
    return _error(request, 422, _schema_message(first), ".".join(location) or None)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, _("A valid partner token is required."))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # django-ninja could not read the body: not JSON, or not UTF-8.
        return _error(request, 400, _("The body is not valid JSON in UTF-8."))
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _error(request, 413, _("The request body is too large."))


def _field_error(request, field: str, exc: ValidationError):
    return _error(request, 400, " ".join(exc.messages), field)


def _active(table, code: str):
    """The active row with ``code`` (from ``himoya.reports.known``). Text that cannot be a
    code is refused before any look-up."""
    if not _CODE.fullmatch(code):
        return None
    return table.active(code)


@api.post("/v1/reports", response={201: ReportCreated, **ERRORS}, tags=["reports"], summary="Send a report")
def create_report(request, payload: ReportIn):
    languages = [code for code, _name in settings.LANGUAGES]
    if payload.language not in languages:
        return _error(
            request, 400, _("The language must be one of: %(codes)s.") % {"codes": ", ".join(languages)}, "language"
        )
    with translation.override(payload.language):
        try:
            narrative = clean_text(payload.narrative, max_chars=settings.NARRATIVE_MAX_CHARS)
        except ValidationError as exc:
            return _field_error(request, "narrative", exc)
        try:
            links = clean_links(payload.links)
        except ValidationError as exc:
            return _field_error(request, "links", exc)
        try:
            contact = clean_text(payload.contact, max_chars=200, required=False)
        except ValidationError as exc:
            return _field_error(request, "contact", exc)
        try:
            reference = clean_text(payload.partner_reference, max_chars=100, required=False)
        except ValidationError as exc:
            return _field_error(request, "partner_reference", exc)
        harm = None
        if payload.harm:
            harm = _active(known.harms, payload.harm)
            if harm is None:
                return _error(request, 400, _("This harm code is not one we know."), "harm")
        region = None
        if payload.region:
            region = _active(known.regions, payload.region)
            if region is None:
                return _error(request, 400, _("This region code is not one we know."), "region")
    submission = intake.submit(
        NewReport(
            channel=Channel.API,
            language=payload.language,
            narrative=narrative,
            links=links,
            harm=harm,
            age_group=payload.age_group,
            region=region,
            contact=contact or None,
            needs_help_now=payload.needs_help_now,
            partner=request.auth,
            partner_reference=reference,
        )
    )
    return Reply(
        201,
        {
            "code": submission.code,
            "status": submission.case.status,
            "received_at": submission.report.received_at,
        },
    )


@api.get(
    "/v1/reports/{code}",
    response={200: ReportStatus, 401: Error, 404: Error, 429: Error},
    tags=["reports"],
    summary="Status of a report you sent",
)
def report_status(request, code: str):
    try:
        report = lookup_report(code, f"partner:{request.auth.pk}", limit=settings.PARTNER_LOOKUPS_PER_HOUR)
    except TooManyAttempts:
        return _error(request, 429, _("Too many look-ups; try again later."))
    if report is None or report.partner_id != request.auth.pk:
        return _error(request, 404, _("No report of yours has this code."))
    case = report.case
    with translation.override(report.language):
        words = str(STATUS_FOR_REPORTER[Status(case.status)])
    return Reply(
        200,
        {
            "status": case.status,
            "status_text": words,
            "urgency": case.urgency,
            "outcome": case.outcome,
            "received_at": report.received_at,
            "updated_at": case.updated_at,
        },
    )
