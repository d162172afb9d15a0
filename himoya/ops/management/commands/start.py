"""Run the whole platform in one process: web server, task worker, live updates."""

from __future__ import annotations

import asyncio
import threading
import uuid

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from himoya.hashes.index import warm
from himoya.ops.bootstrap import bootstrap
from himoya.triage.service import get_engine

# How long a stop waits for the task in hand (a batch of reports to triage) to finish.
WORKER_STOP_SECONDS = 30


class Command(BaseCommand):
    help = (
        "Migrate, load reference data, make sure an administrator exists, then serve the "
        "platform (ASGI) and run the task worker in the same process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Do not run the task worker here.")
        parser.add_argument(
            "--no-bot", action="store_true", help="Do not run the Telegram bot here (even with TELEGRAM_BOT_TOKEN set)."
        )

    def handle(self, *args, host, port, no_worker, no_bot=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        result = bootstrap()
        # The hash-list index (pictures are matched as they arrive) and, for the worker, the
        # triage models: loaded before the first request, not while requests share the
        # interpreter with the loading.
        warm()
        worker = None
        if not no_worker:
            get_engine()
            worker = _worker()
            worker_thread = threading.Thread(target=worker.run, name="task-worker", daemon=True)
            worker_thread.start()
            threading.Thread(target=_watch_deadlines, name="deadline-watch", daemon=True).start()
        if settings.TELEGRAM_BOT_TOKEN and not no_bot:
            from himoya.channels.telegram.polling import start_in_thread

            # By long polling, no public address is needed; with a webhook, Telegram calls us
            # and this thread only retries queued work (docs/telegram.md).
            webhook = bool(settings.TELEGRAM_WEBHOOK_URL)
            start_in_thread(webhook=webhook)
            self.stdout.write("Telegram bot: " + ("webhook (sweeper running)" if webhook else "long polling"))
        url = f"http://{host}:{port}"
        self.stdout.write(
            f"\nHimoya is running at {url}/  (staff sign in: {url}/{settings.LANGUAGE_CODE}/staff/login/)"
        )
        if result.setup_token:
            self.stdout.write(
                "\nFirst run: open this one-time link to set the administrator's password and\n"
                "enrol an authenticator app (it works once, for 48 hours):\n\n"
                f"    {result.setup_url(url)}\n"
            )
        self.stdout.write("Press Ctrl+C to stop.\n")
        try:
            serve(host, port)
        finally:
            if worker is not None:
                # The task in hand is finished and recorded, not cut off by the interpreter's end.
                worker.running = False
                worker_thread.join(timeout=WORKER_STOP_SECONDS)


def _worker():
    from himoya.ops.worker import Worker

    return Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"embedded-{uuid.uuid4().hex[:8]}",
        excluded_queue_names=[],
    )


def _watch_deadlines() -> None:
    from himoya.cases.alerts import watch

    watch()


def serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from himoya.realtime import bind_server_loop

    config = uvicorn.Config(
        "config.asgi:application",
        host=host,
        port=port,
        workers=workers,
        lifespan="off",
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)

    async def main():
        bind_server_loop(asyncio.get_running_loop())
        await server.serve()

    # uvicorn picks uvloop itself only when it runs the loop; here we run it, so pick it too
    # (uvicorn[standard] installs it): each request costs the event loop less.
    try:
        import uvloop
    except ImportError:
        loop_factory = None
    else:
        loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())
