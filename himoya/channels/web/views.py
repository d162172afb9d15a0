"""The public web channel: report form, case code, status and conversation."""

from __future__ import annotations

import logging

from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from himoya.cases.models import STATUS_FOR_REPORTER
from himoya.channels.web.forms import CodeForm, MessageForm, ReportForm
from himoya.conversations.actions import receive_message, reporter_viewed
from himoya.knowledge.suggest import suggest_for_report
from himoya.lib.fields import keyring
from himoya.reports import intake
from himoya.reports.actions import NewReport
from himoya.reports.lookup import TooManyAttempts, lookup_report
from himoya.reports.models import Channel, Report

logger = logging.getLogger(__name__)

SESSION_REPORT = "reporter_report"
SESSION_NEW_CODE = "reporter_new_code"


def home(request):
    return render(request, "web/home.html")


@require_http_methods(["GET", "POST"])
def report(request):
    if request.method == "POST":
        # A body over the whole limit never gets here (see middleware.refuse_oversized_requests).
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            submission = intake.submit(
                NewReport(
                    channel=Channel.WEB,
                    language=get_language(),
                    narrative=data["narrative"],
                    links=data["links"],
                    harm=data["harm"],
                    age_group=data["age_group"],
                    reporter_role=data["reporter_role"],
                    region=data["region"],
                    contact=data["contact"],
                    needs_help_now=data["needs_help_now"],
                    images=data["screenshots"],
                )
            )
            logger.info("report received", extra={"case": submission.case.pk})
            request.session.cycle_key()
            request.session[SESSION_REPORT] = submission.report.pk
            # Shown once on the next page; until then the session row holds it encrypted, like
            # everything else a database reader could use to open the conversation.
            request.session[SESSION_NEW_CODE] = keyring().encrypt(submission.code, SESSION_NEW_CODE).hex()
            return redirect("web:report_done")
        # A picture over the limit is the same refusal as a request over it: 413.
        status = 413 if form.has_error("screenshots", "too_large") else 400
    else:
        form = ReportForm()
        status = 200
    return render(request, "web/report.html", {"form": form}, status=status)


def report_done(request):
    try:
        code = keyring().decrypt(bytes.fromhex(request.session.pop(SESSION_NEW_CODE)), SESSION_NEW_CODE)
    except (KeyError, TypeError, ValueError):  # none waiting, or not one of ours (DecryptionError)
        return redirect("web:conversation")
    report = Report.objects.filter(pk=request.session.get(SESSION_REPORT)).select_related("harm").first()
    advice = suggest_for_report(report) if report is not None else []
    return render(request, "web/report_done.html", {"code": code, "advice": advice})


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


@require_http_methods(["GET", "POST"])
def status(request):
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = lookup_report(form.cleaned_data["code"], _client(request))
        except TooManyAttempts:
            return render(
                request,
                "web/error.html",
                {
                    "title": _("Too many tries"),
                    "message": _("Please wait an hour and try again. If you need help now, start a new report."),
                },
                status=429,
            )
        if report is None:
            form.add_error("code", _("We could not find a case with this code. Please check it and try again."))
        else:
            request.session.cycle_key()
            request.session[SESSION_REPORT] = report.pk
            return redirect("web:conversation")
    return render(request, "web/status.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def conversation(request):
    report = Report.objects.select_related("case").filter(pk=request.session.get(SESSION_REPORT)).first()
    if report is None:
        return redirect("web:status")
    case = report.case
    form = MessageForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            receive_message(report, form.cleaned_data["body"], Channel.WEB)
            return redirect("web:conversation")
    reporter_viewed(report)
    return render(
        request,
        "web/conversation.html",
        {
            "case": case,
            "status_words": STATUS_FOR_REPORTER[case.status],
            "chat": report.messages.all(),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def leave(request):
    request.session.flush()
    return redirect("web:home")
