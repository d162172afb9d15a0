"""Every error under /api/ answers in JSON with a "message", as partners' clients expect."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext_lazy

MESSAGES = {
    404: gettext_lazy("There is nothing at this address."),
    405: gettext_lazy("This method is not allowed here."),
}


def json_errors(get_response):
    """Turn the few errors the framework answers in HTML (404, 405 from django-ninja) into
    JSON, in the partner's language."""

    def middleware(request):
        response = get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            message = MESSAGES.get(response.status_code, response.reason_phrase)
            replacement = JsonResponse({"message": str(message)}, status=response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response

    return middleware
