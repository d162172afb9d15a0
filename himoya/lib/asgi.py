"""Serving the partner API's HTTP requests on a fixed pool of threads.

Django's ASGI handler runs a synchronous view by starting a thread of its own for each
request (asgiref's ``ThreadSensitiveContext``) and passing the request between the event
loop and that thread several times: its signals, the middleware chain, closing the
response. For a small JSON request that bookkeeping cost more CPU than the view itself.

:class:`SyncPool` sends the requests under some path prefixes (``/api/``: synchronous
views, small JSON bodies, no WebSockets) to Django's synchronous handler instead, the one
WSGI servers use, on a fixed pool of threads: the body is read on the event loop, then the
whole request (``request_started``, middleware, view, ``request_finished``) runs in one
go in a pool thread, and the response is sent from the loop. Everything else goes to
Django's ASGI handler unchanged. A pool thread keeps no database connection between
requests (``request_finished`` closes it, as before).

Those requests pass through their own middleware (``settings.API_MIDDLEWARE``): a partner's
token is its only credential, so sessions, sign-in, second factor, CSRF, messages and
lockout, which cost each request its share, have nothing to do there.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.urls import set_script_prefix
from django.utils.module_loading import import_string


class SyncPool(base.BaseHandler):
    """An ASGI application: HTTP requests whose path starts with one of ``prefixes`` are
    served by Django's synchronous handler on ``threads`` threads; all else by ``fallback``."""

    def __init__(self, fallback: ASGIHandler, prefixes: tuple[str, ...], threads: int, middleware: list[str]) -> None:
        super().__init__()
        self._load(middleware)
        self.fallback = fallback
        self.prefixes = tuple(prefixes)
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="http")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            return await self.fallback(scope, receive, send)
        try:
            body_file = await self.fallback.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        status, headers, body = await loop.run_in_executor(self.pool, self._respond, scope, body_file)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _load(self, paths: list[str]) -> None:
        """``load_middleware(is_async=False)`` with these middleware instead of
        ``settings.MIDDLEWARE`` (all of them synchronous)."""
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    def _respond(self, scope, body_file) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The whole request, in a pool thread: status, headers and body of the response."""
        try:
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, response = self.fallback.create_request(scope, body_file)
            if request is not None:
                response = self.get_response(request)
            try:
                body = b"".join(response) if response.streaming else response.content
                return response.status_code, _headers(response), body
            finally:
                response.close()  # sends request_finished: the connection goes back
        finally:
            body_file.close()


def _headers(response) -> list[tuple[bytes, bytes]]:
    """As ``ASGIHandler.send_response`` encodes them."""
    headers = []
    for name, value in response.items():
        if isinstance(name, str):
            name = name.encode("ascii")
        if isinstance(value, str):
            value = value.encode("latin1")
        headers.append((bytes(name), bytes(value)))
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
    return headers
