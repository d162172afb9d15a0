import sqlite3

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def keep_sqlite_wal(sender, connection, **kwargs):
    """Stop a closing SQLite connection from checkpointing and deleting the WAL.

    Under ASGI each request has a thread and a connection of its own. By default the last
    connection to close checkpoints the WAL into the database and deletes it (fsyncs, with
    the database locked), and the next write re-creates the WAL and syncs its header: about
    15 ms that a request paid whenever no other connection was open. Checkpoints still run
    automatically as the WAL grows; durability stays that of ``synchronous=NORMAL``. The
    ``-wal`` file beside the database is part of it: back up with ``sqlite3 .backup``.
    """
    if connection.vendor == "sqlite":
        connection.connection.setconfig(sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)


class OpsConfig(AppConfig):
    name = "himoya.ops"
    verbose_name = "Operations"

    def ready(self):
        connection_created.connect(keep_sqlite_wal, dispatch_uid="himoya.ops.keep_sqlite_wal")
