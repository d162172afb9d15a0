"""Every error under /api/ answers in JSON with a "message", as partners' clients expect."""

from __future__ import annotations

from django.http import JsonResponse


def json_errors(get_response):
    """Turn the few errors the framework answers in HTML (405 from django-ninja) into JSON."""

    def middleware(request):
        response = get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = JsonResponse({"message": response.reason_phrase}, status=response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response

    return middleware
