"""Fetching sessions and participants: access is checked where objects are fetched."""

from __future__ import annotations

import hashlib
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404

from himoya.awareness.models import AwarenessSession, Participant, SessionStatus

RUN = "awareness.run_session"
MANAGE_ALL = "awareness.manage_all_sessions"

_CODE = re.compile(r"\d{8}")


def sessions_for(user):
    """The sessions ``user`` may see: their own, or all with ``manage_all_sessions``."""
    if not user.has_perm(RUN):
        raise PermissionDenied
    sessions = AwarenessSession.objects.all()
    if not user.has_perm(MANAGE_ALL):
        sessions = sessions.filter(owner=user)
    return sessions


def get_session_for_user(user, pk: int) -> AwarenessSession:
    """Session ``pk`` if ``user`` may run it; 404 otherwise (existence is not revealed)."""
    try:
        return sessions_for(user).get(pk=pk)
    except AwarenessSession.DoesNotExist:
        raise Http404 from None


def normalise_code(text: str) -> str | None:
    """A typed join code ("1234 5678", "1234-5678") in stored form, or None."""
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    return digits if _CODE.fullmatch(digits) else None


def session_by_code(text: str) -> AwarenessSession | None:
    """The session a join code opens: not yet ended, not purged."""
    code = normalise_code(text)
    if code is None:
        return None
    return AwarenessSession.objects.exclude(status=SessionStatus.ENDED).filter(join_code=code).first()


def session_by_projector_key(key: str) -> AwarenessSession | None:
    if not key or len(key) > 64:
        return None
    return AwarenessSession.objects.filter(projector_key=key, purged_at__isnull=True).first()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cookie_name(session: AwarenessSession) -> str:
    return f"himoya_aw_{session.join_code}"


def participant_for(session: AwarenessSession, token: str | None) -> Participant | None:
    """The participant whose cookie holds ``token``, in ``session`` only."""
    if not token or len(token) > 100:
        return None
    return Participant.objects.filter(session=session, token_digest=token_digest(token)).first()
