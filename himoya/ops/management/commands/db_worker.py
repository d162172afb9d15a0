"""``manage.py db_worker``: django-tasks-db's worker, with the triage engine loaded first and
waiting batches of reports triaged together (``himoya.ops.worker``).

The worker triages every report and message. Loading the triage models and the hash-list
index takes a second or two of CPU; done here, before the worker takes its first task, the
first report after a (re)start is triaged as soon as it arrives, not after the loading.
This app comes before ``django_tasks_db`` in ``INSTALLED_APPS`` so that this command is
the one ``manage.py`` runs; its options are django-tasks-db's.
"""

from __future__ import annotations

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from himoya.hashes.index import warm
from himoya.ops.worker import Worker
from himoya.triage.service import get_engine


class Command(db_worker.Command):
    def handle(self, *, verbosity, queue_name, exclude_queues, reload, batch, **options):
        self.configure_logging(verbosity)
        reload = reload and not batch  # as django-tasks-db: --batch runs once, without reloading
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded_queue_names,
            batch=batch,
            **{name: options[name] for name in ("interval", "backend_name", "startup_delay", "max_tasks", "worker_id")},
        )
        # With --reload, the process that runs tasks is the reloader's child.
        in_child = os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if not reload or in_child:
            warm()  # built in the background while the triage models load
            get_engine()
            # Built before the first task, and its reads over before the worker's first
            # exclusive transaction (SQLite's shared cache would refuse that one).
            warm(wait=True)
        if reload:
            if in_child:
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
