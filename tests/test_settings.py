"""Settings come from the environment and fail loudly, naming the variable, on a bad value."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from config import settings as config_settings
from himoya.lib.crypto import Keyring

REPO = Path(__file__).resolve().parent.parent
SETUP = "import django; import os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"


def _clean_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """This process's environment without any Himoya, database or Redis setting."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HIMOYA_", "DJANGO_")) and key not in ("DATABASE_URL", "REDIS_URL")
    }
    return base | {"HIMOYA_DATA_DIR": str(data_dir)} | overrides


def _start(data_dir: Path, code: str = SETUP, **overrides: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=_clean_env(data_dir, **overrides),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("value", ["maybe", "2", "yes please", "ja"])
def test_envbool_refuses_a_value_that_is_not_true_or_false(monkeypatch, value):
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match=r"^X must be true or false"):
        env.envbool("X")


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("TRUE", True), (" on ", True), ("0", False), ("", False)]
)
def test_envbool_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("X", value)
    assert env.envbool("X", default=not expected) is expected


def test_envbool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("X", raising=False)
    assert env.envbool("X", True) is True


@pytest.mark.parametrize("value", ["abc", "1.5", "10 MB", "0x10"])
def test_envint_refuses_a_value_that_is_not_a_whole_number(monkeypatch, value):
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match=r"^X must be a whole number"):
        env.envint("X", 5)


def test_envint_refuses_a_value_under_its_minimum(monkeypatch):
    monkeypatch.setenv("X", "0")
    with pytest.raises(ImproperlyConfigured, match=r"^X must be at least 1"):
        env.envint("X", 5, minimum=1)


def test_envint_reads_a_number_and_defaults_when_unset_or_blank(monkeypatch):
    monkeypatch.setenv("X", " 42 ")
    assert env.envint("X", 5) == 42
    monkeypatch.setenv("X", "")
    assert env.envint("X", 5) == 5


def test_envsecret_reads_from_a_file_named_by_name_file(monkeypatch, tmp_path):
    (tmp_path / "secret").write_text("s3cret\n")
    monkeypatch.delenv("X", raising=False)
    monkeypatch.setenv("X_FILE", str(tmp_path / "secret"))
    assert env.envsecret("X") == "s3cret"
    monkeypatch.setenv("X_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=r"^X_FILE: cannot read"):
        env.envsecret("X")


def test_secret_file_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "nested" / "key"
    first = env.secret_file(path, env.new_encryption_key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert env.secret_file(path, env.new_encryption_key) == first


BAD_SETTINGS = {
    "DATABASE_URL": ["mysql://user:pw@db/himoya", "nonsense://x"],
    "REDIS_URL": ["http://127.0.0.1:6379/0"],
    "HIMOYA_ENCRYPTION_KEYS": ["not-a-key", "c2hvcnQ="],
    "HIMOYA_LANGUAGES": ["en,xx"],
    "HIMOYA_DEBUG": ["maybe"],
    "HIMOYA_NARRATIVE_MAX_CHARS": ["abc"],
}


def test_a_bad_setting_stops_start_up_with_a_message_naming_it(tmp_path):
    # All at once: each start-up is a new interpreter importing Django.
    started = [
        (name, value, _start(tmp_path / f"data{n}", **{name: value}))
        for n, (name, value) in enumerate((name, value) for name, values in BAD_SETTINGS.items() for value in values)
    ]
    for name, value, process in started:
        _out, err = process.communicate(timeout=120)
        assert process.returncode != 0, f"{name}={value!r} was accepted"
        assert "ImproperlyConfigured" in err, (name, value, err[-500:])
        assert name in err.strip().splitlines()[-1], (name, value, err[-500:])


def test_a_data_directory_inside_the_repository_is_refused(tmp_path):
    process = _start(tmp_path, HIMOYA_DATA_DIR=str(REPO / "data"))
    _out, err = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "HIMOYA_DATA_DIR must be outside the repository" in err
    assert not (REPO / "data").exists()


# Importing the settings module is all it takes to read (and create) the secrets; quicker than setup().
SHOW = "import config.settings as s; print({})"


def test_the_generated_secrets_are_private_files_outside_the_repository(tmp_path):
    data = tmp_path / "data"
    first = _start(data, SHOW.format("s.DATA_DIR"))
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert Path(out.split()[0]) == data
    for name in ("encryption.key", "secret_key"):
        path = data / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert REPO not in path.resolve().parents
    Keyring.from_text((data / "encryption.key").read_text())  # a usable key
    # A second start reads the same key instead of making a new one.
    key = (data / "encryption.key").read_text()
    second = _start(data, SHOW.format("s.DATA_DIR"))
    second.communicate(timeout=120)
    assert (data / "encryption.key").read_text() == key


def test_cookies_are_secure_when_the_site_is_served_over_https(tmp_path):
    show = SHOW.format("s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE")
    process = _start(tmp_path, show, HIMOYA_SITE_URL="https://help.example")
    out, err = process.communicate(timeout=120)
    assert out.split() == ["True", "True"], err


def test_this_run_keeps_its_secrets_outside_the_repository(settings):
    assert REPO not in Path(settings.DATA_DIR).resolve().parents
    assert Path(settings.DATA_DIR).resolve() != REPO


def test_production_hashes_passwords_with_argon2():
    # The test run swaps in a fast hasher (conftest); the settings module itself must not.
    assert config_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
