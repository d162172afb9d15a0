"""Shared fixtures: reference data, personas, and helpers to file reports.

Personas follow the same roles as production: ``operator``, ``supervisor``, ``analyst``,
``administrator``, and ``outsider`` (a signed-in staff member with no role, who should
see nothing).
"""

from __future__ import annotations

import functools

import pytest
from django.db import connections
from django.test import Client, TestCase
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts import roles
from himoya.accounts.models import User
from himoya.reference.loader import load_reference_data
from himoya.reference.models import HarmCategory
from himoya.reports.actions import NewReport, submit_report
from himoya.reports.models import Channel

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Tests serve static files from the source tree, without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Argon2 costs ~100 MB and a good fraction of a second per hash by design; tests sign in
    # often. (test_settings.py checks that production hashes with Argon2.)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from himoya.reports import known

    cache.clear()
    known.clear()
    yield
    cache.clear()
    known.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the reference data and roles loaded once for the whole run."""
    with django_db_blocker.unblock():
        load_reference_data()
        roles.sync_roles()
    yield
    with django_db_blocker.unblock():
        _end_other_sessions()


def _end_other_sessions() -> None:
    """End the sessions other threads left on the PostgreSQL test database (a live server's,
    a pool's), which would otherwise keep it from being dropped at the end of the run."""
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        connection.close_pool()


@pytest.fixture
def reference(db):
    # Loaded once by django_db_setup. A transactional test's flush empties the tables
    # (pytest-django runs those tests last), so load again if they are gone.
    from django.contrib.auth.models import Group

    if not (HarmCategory.objects.exists() and Group.objects.filter(name=roles.OPERATOR).exists()):
        load_reference_data()
        roles.sync_roles()


def make_staff(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    if role:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=role))
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@pytest.fixture
def operator(reference):
    return make_staff("olga", roles.OPERATOR)


@pytest.fixture
def operator2(reference):
    return make_staff("oybek", roles.OPERATOR)


@pytest.fixture
def supervisor(reference):
    return make_staff("samira", roles.SUPERVISOR)


@pytest.fixture
def analyst(reference):
    return make_staff("anar", roles.ANALYST)


@pytest.fixture
def outsider(reference):
    return make_staff("nobody", None)


def verified_client(user) -> Client:
    """A client signed in with both factors, as after the TOTP step."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


@pytest.fixture
def file_report(reference):
    """File a report as a reporter would; returns the Submission (with its one-time code).

    What runs after the commit (triage, live updates) runs before this returns, as the
    worker would run it.
    """

    def _file(narrative="Someone in my class posts mean things about me.", harm="cyberbullying", **extra):
        with committed():
            return submit_report(
                NewReport(
                    channel=extra.pop("channel", Channel.WEB),
                    language=extra.pop("language", "en"),
                    narrative=narrative,
                    harm=HarmCategory.objects.get(code=harm) if harm else None,
                    **extra,
                )
            )

    return _file


def committed():
    """Run on-commit callbacks at the end of the block, even inside a test's transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def staff_client():
    """``staff_client(user)``: a Client signed in with both factors (see ``verified_client``)."""
    return verified_client


def current_totp(device: TOTPDevice) -> str:
    """The code an authenticator app would show for ``device`` right now."""
    from django_otp.oath import totp

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


@pytest.fixture
def totp_code():
    """``totp_code(device)``: the current TOTP code of a device, computed from its key."""
    return current_totp


@pytest.fixture
def wrong_totp_code():
    """``wrong_totp_code(device)``: six digits valid in none of the time steps the device accepts."""
    from django_otp.oath import totp

    def _wrong(device: TOTPDevice) -> str:
        valid = {
            totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
            for offset in range(-device.tolerance, device.tolerance + 1)
        }
        return f"{next(n for n in range(10**6) if n not in valid):06d}"

    return _wrong


@pytest.fixture
def stored_counts(db):
    """``stored_counts()``: how many rows intake has written, to prove nothing was half-stored."""
    from himoya.audit.models import AuditEntry
    from himoya.cases.models import Case
    from himoya.conversations.models import Message
    from himoya.reports.models import Attachment, Report

    def _counts() -> dict[str, int]:
        return {model.__name__: model.objects.count() for model in (Report, Case, Attachment, AuditEntry, Message)}

    return _counts


@pytest.fixture
def tables_containing(db):
    """``tables_containing(text)``: every table with a row holding ``text``, read with raw SQL.

    Bytes columns are searched too, so an encrypted column that leaked plaintext is caught.
    """
    from django.db import connection

    def _search(needle: str) -> list[str]:
        wanted = needle.encode()
        found = []
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the schema
                for row in cursor.fetchall():
                    for value in row:
                        raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                        if wanted in raw:
                            found.append(table)
                            break
                    else:
                        continue
                    break
        return found

    return _search


@pytest.fixture
def partner_token(reference):
    """``partner_token(name)``: a partner and a fresh bearer token for it (the token shown once)."""
    from himoya.channels.api.models import Partner, PartnerToken

    def _issue(name: str = "SafeChat"):
        partner, _created = Partner.objects.get_or_create(name=name)
        row, token = PartnerToken.issue(partner)
        return row, token

    return _issue


@pytest.fixture
def translated(settings, tmp_path):
    """``translated(language, {msgid: msgstr})``: install a catalogue that wins over locale/.

    Lets a test prove a message reaches the reporter in their language without waiting for
    (or hard-coding) the real translations.
    """
    import polib

    def _install(language: str, messages: dict[str, str]) -> None:
        catalogue = polib.POFile()
        catalogue.metadata = {
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
        for msgid, msgstr in messages.items():
            catalogue.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
        folder = tmp_path / "locale" / language / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        catalogue.save_as_mofile(str(folder / "django.mo"))
        settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]

    return _install


class Images:
    """Uploads a reporter might send, good and bad."""

    @staticmethod
    def png(width: int = 40, height: int = 30, colour: str = "red") -> bytes:
        import io

        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
        return buffer.getvalue()

    @staticmethod
    def truncated_png() -> bytes:
        import io
        import os

        from PIL import Image

        # Noise does not compress, so cutting the file loses pixel data, not just the end marker.
        noisy = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
        buffer = io.BytesIO()
        noisy.save(buffer, format="PNG")
        data = buffer.getvalue()
        return data[: len(data) // 2]

    @staticmethod
    @functools.cache
    def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
        """A valid 1-bit PNG of ``width`` × ``height`` pixels, about 100 kB on disk.

        Written chunk by chunk: Pillow would need a byte per pixel (900 MB) to build it.
        """
        import struct
        import zlib

        def chunk(kind: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

        row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte, then black pixels
        packer = zlib.compressobj(9)
        compressed = b"".join(packer.compress(row * 1000) for _ in range(height // 1000))
        compressed += packer.compress(row * (height % 1000)) + packer.flush()
        header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")

    @staticmethod
    def pdf() -> bytes:
        return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def images():
    return Images


@pytest.fixture
def staff_password():
    """The password every persona signs in with."""
    return PASSWORD
