"""Refuse a request body over the size limit before anything parses it."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def too_large(request):
    """The page that says what was sent is over the limit and that nothing was kept."""
    return render(
        request,
        "web/error.html",
        {
            "title": _("Your files are too large"),
            "message": _(
                "Together they can be up to %(mb)s MB. Nothing was sent. "
                "Please go back and choose fewer or smaller pictures."
            )
            % {"mb": settings.REQUEST_MAX_BYTES // (1024 * 1024)},
        },
        status=413,
    )


def refuse_oversized_requests(get_response):
    """413 for a body declared larger than ``REQUEST_MAX_BYTES``, answered from the headers
    alone: the CSRF check that comes later would otherwise parse the whole upload (and write
    its files to disk again) just to find its token. Under /api/ the answer is JSON, as
    partners expect. (The server has the body already: put a limit on the proxy in front,
    see docs/deployment.md.)"""

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            if request.path.startswith("/api/"):
                return JsonResponse({"message": _("The request body is too large.")}, status=413)
            return too_large(request)
        return get_response(request)

    return middleware
