"""Keeping the translation catalogues current.

``python -m himoya.ops.catalogues update`` refreshes locale/*/django.po from the code;
``... check`` fails (exit 1) when the catalogues lag behind the code, or when a language
other than English has a string left untranslated or fuzzy. CI runs ``check``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
LANGUAGES = ["en", "ru", "az", "uz"]
IGNORE = [".venv", "benchmarks", "tests", "node_modules", "static/vendor"]


def _makemessages() -> None:
    args = [sys.executable, "manage.py", "makemessages", "--no-location", "--no-obsolete", "-v", "0"]
    for language in LANGUAGES:
        args += ["-l", language]
    for pattern in IGNORE:
        args += ["-i", pattern]
    env = {**os.environ, "HIMOYA_DATA_DIR": os.environ.get("HIMOYA_DATA_DIR") or tempfile.mkdtemp()}
    subprocess.run(args, cwd=ROOT, check=True, env=env)


def _keys(path: Path) -> set[tuple[str, str, str]]:
    return {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in polib.pofile(str(path)) if not e.obsolete}


def _po(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def check() -> list[str]:
    problems: list[str] = []
    before = {language: _keys(_po(language)) if _po(language).exists() else set() for language in LANGUAGES}
    backup = Path(tempfile.mkdtemp()) / "locale"
    shutil.copytree(LOCALE, backup) if LOCALE.exists() else None
    try:
        _makemessages()
        after = {language: _keys(_po(language)) for language in LANGUAGES}
    finally:
        shutil.rmtree(LOCALE, ignore_errors=True)
        if backup.exists():
            shutil.copytree(backup, LOCALE)
    for language in LANGUAGES:
        missing = after[language] - before[language]
        stale = before[language] - after[language]
        if missing or stale:
            problems.append(
                f"{language}: catalogue is not current ({len(missing)} new, {len(stale)} gone strings); "
                "run: .venv/bin/python -m himoya.ops.catalogues update"
            )
            problems += [f"  new: {msgid[:70]!r}" for _ctx, msgid, _pl in sorted(missing)[:10]]
        if language == "en" or not _po(language).exists():
            continue
        for entry in polib.pofile(str(_po(language))):
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                problems.append(f"{language}: fuzzy: {entry.msgid[:70]!r}")
            elif not (entry.msgstr or all(entry.msgstr_plural.values())):
                problems.append(f"{language}: untranslated: {entry.msgid[:70]!r}")
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        _makemessages()
        return 0
    if command == "check":
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print("translation catalogues are current and complete")
        return 1 if problems else 0
    print("usage: python -m himoya.ops.catalogues [check|update]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
