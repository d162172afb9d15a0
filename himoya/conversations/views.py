"""Staff pages of the conversation: the reply from a case page, and the canned replies."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from himoya.accounts.decorators import staff_required
from himoya.cases.access import get_case_for_user
from himoya.cases.actions import CaseRefused
from himoya.conversations.actions import save_canned_reply, send_reply
from himoya.conversations.forms import CannedReplyForm, ChatReplyForm
from himoya.conversations.models import CannedReply
from himoya.reference.models import HarmCategory

PAGE_SIZE = 50


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@require_POST
@staff_required("cases.work_case")
def reply(request, pk: int):
    """Send a reply. The case page's script posts here and gets JSON; without script, a redirect."""
    case = get_case_for_user(request.user, pk, work=True)
    form = ChatReplyForm(request.POST)
    message, errors = None, []
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
    else:
        data = form.cleaned_data
        report = None
        if data["report"] is not None:
            # Which conversation, not what was reported: the encrypted fields stay unread.
            report = case.reports.defer("narrative", "links", "contact").filter(pk=data["report"]).first()
            if report is None:
                errors.append(_("That reporter is not in this case any more. Reload the page."))
        if not errors:
            try:
                message = send_reply(case, request.user, data["body"], report=report, language=data["language"])
            except CaseRefused as refused:
                errors.append(str(refused))
    if _wants_json(request):
        if errors:
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        html = render_to_string("conversations/_staff_message.html", {"message": message})
        return JsonResponse({"ok": True, "message": message.pk, "report": message.report_id, "html": html}, status=201)
    for error in errors:
        messages.error(request, error)
    if message is not None:
        messages.success(request, _("Reply sent."))
    return redirect("cases:detail", pk=case.pk)


@staff_required("cases.work_case")
def canned_list(request):
    """Every canned reply, filtered by language and harm; supervisors reach the editor from here."""
    language = request.GET.get("language", "")
    harm = request.GET.get("harm", "")
    replies = CannedReply.objects.select_related("harm").order_by("language", "harm__sort", "title", "pk")
    if language in dict(settings.LANGUAGES):
        replies = replies.filter(language=language)
    if harm == "any":
        replies = replies.filter(harm__isnull=True)
    elif harm:
        replies = replies.filter(harm__code=harm)
    page = Paginator(replies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "conversations/canned_list.html",
        {
            "page": page,
            "language": language,
            "harm": harm,
            "languages": settings.LANGUAGES,
            "harms": HarmCategory.objects.filter(active=True),
            "may_edit": request.user.has_perm("conversations.change_cannedreply"),
        },
    )


def _edit(request, reply: CannedReply):
    form = CannedReplyForm(request.POST or None, instance=reply)
    if request.method == "POST" and form.is_valid():
        save_canned_reply(form.save(commit=False), request.user)
        messages.success(request, _("Canned reply saved."))
        return redirect("conversations:canned_list")
    return render(
        request,
        "conversations/canned_edit.html",
        {"form": form, "reply": reply},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required("conversations.add_cannedreply")
def canned_new(request):
    return _edit(request, CannedReply(language=request.GET.get("language") or settings.LANGUAGE_CODE))


@require_http_methods(["GET", "POST"])
@staff_required("conversations.change_cannedreply")
def canned_edit(request, pk: int):
    return _edit(request, get_object_or_404(CannedReply, pk=pk))
