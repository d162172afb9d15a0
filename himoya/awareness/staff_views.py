"""Trainers' pages: sessions and their activities, the presenter's controls, Q&A
moderation, results and exports. Sessions are fetched through ``access`` only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from himoya.accounts.decorators import staff_required
from himoya.awareness import actions, exports
from himoya.awareness.access import RUN, get_session_for_user, sessions_for
from himoya.awareness.forms import ActivityForm, SessionForm
from himoya.awareness.models import Activity, Question, QuestionStatus
from himoya.awareness.results import current_figures, leaderboard, tally_of
from himoya.awareness.views import join_url, qr_svg, stage_context


@staff_required(RUN)
def session_list(request):
    sessions = sessions_for(request.user).select_related("owner")
    return render(request, "awareness/staff_list.html", {"sessions": sessions[:200]})


@staff_required(RUN)
@require_http_methods(["GET", "POST"])
def session_new(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = actions.create_session(request.user, form.details(), form.template_obj)
        return redirect("awareness:session", pk=session.pk)
    return render(request, "awareness/staff_new.html", {"form": form}, status=400 if form.errors else 200)


def _activity(session, activity_id: int) -> Activity:
    activity = session.activities.filter(pk=activity_id).first()
    if activity is None:
        raise Http404
    return activity


@staff_required(RUN)
@require_http_methods(["GET", "POST"])
def session_detail(request, pk: int):
    """The plan: details and the ordered activities, with a form to add one."""
    session = get_session_for_user(request.user, pk)
    form = SessionForm(
        request.POST or None,
        creating=False,
        initial={
            "title": session.title,
            "language": session.language,
            "scheduled_for": session.scheduled_for,
            "audience": session.audience,
            "qa_enabled": session.qa_enabled,
            "qa_moderated": session.qa_moderated,
        },
    )
    if request.method == "POST" and form.is_valid():
        actions.update_session(session, request.user, form.details())
        messages.success(request, _("Saved."))
        return redirect("awareness:session", pk=session.pk)
    return render(
        request,
        "awareness/staff_session.html",
        {
            "session": session,
            "form": form,
            "activities": session.activities.all(),
            "activity_form": ActivityForm(),
            "join_url": join_url(request, session),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@staff_required(RUN)
def activity_add(request, pk: int):
    session = get_session_for_user(request.user, pk)
    form = ActivityForm(request.POST)
    if form.is_valid():
        actions.add_activity(session, request.user, form.cleaned_data["plan"])
        messages.success(request, _("Activity added."))
        return redirect("awareness:session", pk=session.pk)
    return render(
        request,
        "awareness/staff_session.html",
        {
            "session": session,
            "form": SessionForm(creating=False, initial={"title": session.title}),
            "activities": session.activities.all(),
            "activity_form": form,
            "join_url": join_url(request, session),
        },
        status=400,
    )


@require_POST
@staff_required(RUN)
def activity_change(request, pk: int, activity_id: int, what: str):
    session = get_session_for_user(request.user, pk)
    activity = _activity(session, activity_id)
    if what == "up":
        actions.move_activity(activity, request.user, -1)
    elif what == "down":
        actions.move_activity(activity, request.user, +1)
    elif what == "remove":
        try:
            actions.remove_activity(activity, request.user)
        except ValueError:
            messages.error(request, _("An activity that was shown keeps its answers and cannot be removed."))
    else:
        raise Http404
    return redirect("awareness:session", pk=session.pk)


@require_POST
@staff_required(RUN)
def session_delete(request, pk: int):
    session = get_session_for_user(request.user, pk)
    try:
        actions.delete_session(session, request.user)
    except ValueError:
        messages.error(request, _("A session that has started cannot be deleted; its data is deleted automatically."))
        return redirect("awareness:session", pk=session.pk)
    messages.success(request, _("Session deleted."))
    return redirect("awareness:list")


# --- Presenting ------------------------------------------------------------------------------------


@never_cache
@staff_required(RUN)
def present(request, pk: int):
    session = get_session_for_user(request.user, pk)
    if session.current_activity_id:
        session.current_activity = session.activities.get(pk=session.current_activity_id)
    context = stage_context(request, session)
    url = join_url(request, session)
    context.update(
        activities=session.activities.all(),
        join_url=url,
        qr=qr_svg(url, scale=3),
        ws_path=f"/ws/awareness/present/{session.pk}/",
        moderation=_moderation_context(session),
        figures=current_figures(session),
        presenter=True,
    )
    if request.GET.get("fragment"):
        return render(request, "awareness/_stage.html", context)
    return render(request, "awareness/present.html", context)


@require_POST
@staff_required(RUN)
def control(request, pk: int, what: str):
    """The presenter's buttons: start, next, close, end, show an activity, Q&A moderation."""
    session = get_session_for_user(request.user, pk)
    if session.is_ended and what != "close":
        messages.error(request, _("This session has ended."))
        return redirect("awareness:present", pk=session.pk)
    try:
        if what == "start":
            actions.start_session(session, request.user)
        elif what == "next":
            if actions.next_activity(session, request.user) is None:
                messages.info(request, _("That was the last activity. End the session when you are ready."))
        elif what == "show":
            actions.show_activity(session, request.user, _activity(session, int(request.POST.get("activity", 0))))
        elif what == "close":
            activity = session.current_activity
            if activity is not None:
                actions.close_activity(activity, request.user)
        elif what == "end":
            actions.end_session(session, request.user)
            messages.success(request, _("The session has ended. Pupils' answers are deleted automatically later."))
            return redirect("awareness:results", pk=session.pk)
        elif what in ("moderate", "unmoderate"):
            actions.set_moderation(session, request.user, what == "moderate")
        else:
            raise Http404
    except ValueError:
        raise Http404 from None
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return redirect("awareness:present", pk=session.pk)


def _moderation_context(session) -> dict:
    questions = list(session.questions.exclude(status=QuestionStatus.HIDDEN).order_by("answered", "-upvotes", "id"))
    return {
        "pending": [q for q in questions if q.status == QuestionStatus.PENDING],
        "shown": [q for q in questions if q.status == QuestionStatus.APPROVED],
        "hidden_count": session.questions.filter(status=QuestionStatus.HIDDEN).count(),
    }


@never_cache
@staff_required(RUN)
def moderation(request, pk: int):
    session = get_session_for_user(request.user, pk)
    return render(
        request, "awareness/_moderation.html", {"session": session, "moderation": _moderation_context(session)}
    )


@require_POST
@staff_required(RUN)
def moderate(request, pk: int, question_id: int, decision: str):
    session = get_session_for_user(request.user, pk)
    question = Question.objects.filter(pk=question_id, session=session).first()
    if question is None or decision not in actions.MODERATION:
        raise Http404
    actions.moderate_question(question, request.user, decision)
    if request.headers.get("HX-Request"):
        return render(
            request, "awareness/_moderation.html", {"session": session, "moderation": _moderation_context(session)}
        )
    return redirect("awareness:present", pk=session.pk)


# --- Results ----------------------------------------------------------------------------------------


def _results_context(session) -> dict:
    rows = []
    for activity in session.activities.all():
        entry = {"activity": activity}
        if activity.takes_votes and activity.state != "pending":
            entry["tally"] = tally_of(activity)
            entry["chart"] = exports.chart_svg(activity, entry["tally"])
        rows.append(entry)
    return {
        "session": session,
        "rows": rows,
        "leaderboard": leaderboard(session),
        "figures": current_figures(session),
        "questions": session.questions.filter(status=QuestionStatus.APPROVED).order_by("-upvotes", "id")
        if session.purged_at is None
        else [],
    }


@staff_required(RUN)
def results(request, pk: int):
    session = get_session_for_user(request.user, pk)
    return render(request, "awareness/results.html", _results_context(session))


@staff_required(RUN)
def results_csv(request, pk: int):
    session = get_session_for_user(request.user, pk)
    actions.record_export(session, request.user, "csv")
    response = HttpResponse(exports.results_csv(_results_context(session)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-results.csv"'
    return response


@staff_required(RUN)
def summary_pdf(request, pk: int):
    session = get_session_for_user(request.user, pk)
    try:
        pdf = exports.summary_pdf(request, _results_context(session))
    except exports.PdfUnavailable:
        messages.error(request, _("PDF export is not available on this server (WeasyPrint is not installed)."))
        return redirect("awareness:results", pk=session.pk)
    actions.record_export(session, request.user, "pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-summary.pdf"'
    return response
