"""Staff entry of a report taken by phone."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from himoya.accounts.decorators import staff_required
from himoya.channels.web.forms import ReportForm
from himoya.reports.actions import NewReport, submit_report
from himoya.reports.models import Channel


class PhoneReportForm(ReportForm):
    language = forms.ChoiceField(label=_("Caller's language"), choices=settings.LANGUAGES)
    field_order = ["language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["narrative"].label = _("What the caller told you")
        self.fields["needs_help_now"].label = _("The caller needs help now")


@staff_required("reports.enter_report")
def enter_report(request):
    form = PhoneReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submission = submit_report(
            NewReport(
                channel=Channel.PHONE,
                language=data["language"],
                narrative=data["narrative"],
                links=data["links"],
                harm=data["harm"],
                age_group=data["age_group"],
                reporter_role=data["reporter_role"],
                region=data["region"],
                contact=data["contact"],
                needs_help_now=data["needs_help_now"],
                images=data["screenshots"],
                entered_by=request.user,
            )
        )
        return render(request, "reports/entered.html", {"submission": submission})
    return render(request, "reports/enter.html", {"form": form}, status=400 if form.errors else 200)
