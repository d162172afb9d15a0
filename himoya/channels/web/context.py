from django.conf import settings
from django.urls import translate_url


def site(request):
    """Center name, quick-exit address, and this page in every language."""
    path = request.get_full_path()
    return {
        "CENTER_NAME": settings.CENTER_NAME,
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "language_links": [(code, name, translate_url(path, code)) for code, name in settings.LANGUAGES],
    }
