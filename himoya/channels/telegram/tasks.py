"""Background work of the bot. Task bodies stay thin; arguments are row ids, never text."""

from __future__ import annotations

from django_tasks import task


@task()
def process_chat(chat_pk: int) -> None:
    """Handle a chat's pending updates in order."""
    from himoya.channels.telegram.inbound import process_chat as run

    run(chat_pk)


@task()
def deliver(chat_pk: int) -> None:
    """Send a chat's queued calls in order."""
    from himoya.channels.telegram.outbox import deliver_chat

    deliver_chat(chat_pk)


@task()
def deliver_orphan(outbound_pk: int) -> None:
    """Send one queued call to a chat we no longer keep."""
    from himoya.channels.telegram.outbox import deliver_orphan as run

    run(outbound_pk)
