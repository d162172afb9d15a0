"""Pupils' pages (join, answer, ask) and the projector view.

Every page works without JavaScript (plain forms that post and come back); with it, answers
go over the WebSocket and the page follows the presenter live (``static/awareness/participant.js``).
A pupil is known only by the participant cookie set when joining; no address is stored.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from himoya.awareness import actions
from himoya.awareness.access import (
    cookie_name,
    normalise_code,
    participant_for,
    session_by_code,
    session_by_projector_key,
)
from himoya.awareness.forms import AskForm, CodeForm, JoinForm
from himoya.awareness.live import approved_questions
from himoya.awareness.messages import refusal_message
from himoya.awareness.models import Activity, AwarenessSession, Kind, Question, SessionStatus
from himoya.awareness.results import leaderboard, result_rows, tally_of
from himoya.awareness.tally import size_class

COOKIE_MAX_AGE = 12 * 3600


def join_url(request, session: AwarenessSession) -> str:
    with translation.override(session.language):
        return request.build_absolute_uri(reverse("awareness:join_session", args=[session.join_code]))


def qr_svg(url: str, scale: int = 4) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff", border=2)


def _in_language(request, session: AwarenessSession):
    """A redirect to this page in the session's language, when it is shown in another."""
    if translation.get_language() != session.language:
        return redirect(translate_url(request.get_full_path(), session.language))
    return None


def _gone(request, status=404):
    return render(request, "awareness/gone.html", status=status)


# --- Joining -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def join(request):
    """Type the code from the screen."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = session_by_code(form.cleaned_data["code"])
        if session is not None:
            with translation.override(session.language):
                return redirect(reverse("awareness:join_session", args=[session.join_code]))
        form.add_error(
            "code", translation.gettext("There is no session with this code now. Check the digits on the screen.")
        )
    return render(request, "awareness/join.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def join_session(request, code: str):
    """Choose a nickname (or none) and join; where the QR code leads."""
    session = session_by_code(code)
    if session is None:
        return _gone(request)
    if other := _in_language(request, session):
        return other
    if participant_for(session, request.COOKIES.get(cookie_name(session))) is not None:
        return redirect("awareness:participate", code=session.join_code)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _participant, token = actions.join_session(session, form.cleaned_data["nickname"])
        except actions.Refused as refused:
            if refused.code != actions.SCREENED:
                return render(request, "awareness/gone.html", {"reason": refusal_message(refused.code)}, status=409)
            form.add_error(
                "nickname", translation.gettext("Please choose another nickname, without names or rude words.")
            )
        else:
            response = redirect("awareness:participate", code=session.join_code)
            response.set_cookie(
                cookie_name(session),
                token,
                max_age=COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SECURE_COOKIES,
            )
            return response
    return render(
        request, "awareness/join_session.html", {"session": session, "form": form}, status=400 if form.errors else 200
    )


# --- Taking part ---------------------------------------------------------------------------------


def _participant(request, code: str):
    """(session, participant) for this browser, or a response to return instead."""
    digits = normalise_code(code)
    session = AwarenessSession.objects.filter(join_code=digits).first() if digits else None
    if session is None:
        return None, None, _gone(request)
    if other := _in_language(request, session):
        return None, None, other
    participant = participant_for(session, request.COOKIES.get(cookie_name(session)))
    if participant is None:
        if session.status == SessionStatus.ENDED:
            return None, None, _gone(request, status=410)
        return None, None, redirect("awareness:join_session", code=session.join_code)
    participant.session = session
    return session, participant, None


def activity_context(session: AwarenessSession, participant=None) -> dict:
    activity = session.current_activity
    context = {"session": session, "activity": activity, "live": participant is None}
    if activity is None:
        return context
    now = timezone.now()
    context["closed"] = activity.is_closed(now)
    if activity.closes_at and not context["closed"]:
        context["seconds_left"] = max(0, int((activity.closes_at - now).total_seconds()))
    if participant is not None and activity.takes_votes:
        context["my_vote"] = activity.votes.filter(participant=participant).first()
    if context["closed"] and activity.takes_votes:
        result = tally_of(activity)
        mine = []
        if context.get("my_vote"):
            mine = context["my_vote"].words or context["my_vote"].choices
        context["results"] = result
        context["result_rows"] = result_rows(activity, result, mine)
    return context


@never_cache
def participate(request, code: str):
    session, participant, response = _participant(request, code)
    if response is not None:
        return response
    if session.current_activity_id:
        session.current_activity = Activity.objects.get(pk=session.current_activity_id)
    context = activity_context(session, participant)
    context.update(
        participant=participant,
        questions=approved_questions(session.pk) if session.qa_enabled else [],
        upvoted=_upvoted(participant),
        ask_form=AskForm(),
    )
    fragment = request.GET.get("fragment")
    if fragment == "activity":
        return render(request, "awareness/_activity.html", context)
    if fragment == "questions":
        return render(request, "awareness/_questions.html", context)
    return render(request, "awareness/participant.html", context)


def _upvoted(participant) -> set[int]:
    from himoya.awareness.models import QuestionVote

    return set(QuestionVote.objects.filter(participant=participant).values_list("question_id", flat=True))


def _answer_from_post(activity: Activity, post) -> actions.Answer:
    try:
        choices = tuple(int(v) for v in post.getlist("choice"))
        value = int(post["value"]) if post.get("value") else None
    except ValueError:
        raise actions.Refused(actions.INVALID) from None
    words = tuple(w for w in post.getlist("word") if w.strip())
    return actions.Answer(choices=choices, value=value, words=words)


def _back(session, anchor: str = "activity"):
    return redirect(reverse("awareness:participate", args=[session.join_code]) + f"#{anchor}")


@require_POST
def vote(request, code: str, activity_id: int):
    session, participant, response = _participant(request, code)
    if response is not None:
        return response
    activity = Activity.objects.filter(pk=activity_id, session=session).first()
    try:
        if activity is None:
            raise actions.Refused(actions.INVALID)
        actions.cast_vote(participant, activity, _answer_from_post(activity, request.POST))
    except actions.Refused as refused:
        messages.error(request, refusal_message(refused.code))
    else:
        messages.success(request, translation.gettext("Thank you! Your answer is counted."))
    return _back(session)


@require_POST
def ask(request, code: str):
    session, participant, response = _participant(request, code)
    if response is not None:
        return response
    form = AskForm(request.POST)
    if not form.is_valid():
        messages.error(request, refusal_message(actions.INVALID))
        return _back(session, "questions")
    try:
        question = actions.ask_question(participant, form.cleaned_data["text"])
    except actions.Refused as refused:
        messages.error(request, refusal_message(refused.code))
    else:
        messages.success(request, asked_message(question))
    return _back(session, "questions")


def asked_message(question: Question) -> str:
    if question.status == "approved":
        return translation.gettext("Thank you! Your question is on the screen.")
    return translation.gettext("Thank you! Your question will be shown once the presenter has read it.")


@require_POST
def upvote(request, code: str, question_id: int):
    session, participant, response = _participant(request, code)
    if response is not None:
        return response
    question = Question.objects.filter(pk=question_id, session=session).first()
    try:
        if question is None:
            raise actions.Refused(actions.INVALID)
        actions.upvote_question(participant, question)
    except actions.Refused as refused:
        messages.error(request, refusal_message(refused.code))
    return _back(session, "questions")


# --- Projector -------------------------------------------------------------------------------------


def stage_context(request, session: AwarenessSession) -> dict:
    """What the projector and the presenter show of the activity on screen."""
    activity = session.current_activity
    now = timezone.now()
    context = {"session": session, "activity": activity}
    if activity is not None:
        context["closed"] = activity.is_closed(now)
        if activity.closes_at and not context["closed"]:
            context["seconds_left"] = max(0, int((activity.closes_at - now).total_seconds()))
        if activity.takes_votes:
            result = context["tally"] = tally_of(activity)
            context["rows"] = result_rows(activity, result)
            if activity.kind == Kind.WORD_CLOUD:
                top = max((n for _w, n in result["words"]), default=0)
                context["cloud"] = [(word, n, size_class(n, top)) for word, n in result["words"]]
        if activity.kind == Kind.QUIZ and context["closed"]:
            context["leaderboard"] = leaderboard(session, 5)
        context["stage_data"] = {
            "activity": activity.pk,
            "kind": activity.kind,
            "closed": context["closed"],
            "labels": [row["label"] for row in context.get("rows", [])] if activity.kind != Kind.WORD_CLOUD else [],
            "correct": list(activity.correct) if context["closed"] else [],
            "total": context.get("tally", {}).get("total", 0),
        }
    context["questions"] = approved_questions(session.pk)
    context["people"] = session.participants.count()
    return context


@never_cache
def screen(request, key: str):
    session = session_by_projector_key(key)
    if session is None:
        return _gone(request)
    if other := _in_language(request, session):
        return other
    if session.current_activity_id:
        session.current_activity = Activity.objects.get(pk=session.current_activity_id)
    context = stage_context(request, session)
    url = join_url(request, session)
    context.update(
        join_url=url,
        join_short=request.get_host() + "/join",
        qr=qr_svg(url, scale=6),
        ws_path=f"/ws/awareness/screen/{key}/",
    )
    template = "awareness/_stage.html" if request.GET.get("fragment") else "awareness/screen.html"
    return render(request, template, context)
