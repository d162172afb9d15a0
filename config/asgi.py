import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from channels.auth import AuthMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from himoya.lib.asgi import SyncPool  # noqa: E402

# The partner API's requests run whole in a pool thread, the rest as Django's ASGI handler
# runs them (himoya/lib/asgi.py says why).
http_application = SyncPool(django_application, prefixes=("/api/",), threads=32, middleware=settings.API_MIDDLEWARE)

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(SessionMiddleware(AuthMiddleware(URLRouter(websocket_urlpatterns))))
        ),
    }
)

# What is loaded by now (Django, every app, the templates' code) lives as long as the process.
# Left to the garbage collector, each of its full passes walks all of it with every thread
# stopped, a few hundred milliseconds on a busy machine: live messages and the queue stall.
gc.freeze()
