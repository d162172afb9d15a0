"""Refresh docs/screenshots/ from the browser tests.

    .venv/bin/python tests/browser/make_screenshots.py

Runs the two browser tests that walk a child's report and an operator's answer (they save a
screenshot of every page into test-artifacts/screenshots/), then copies the chosen ones to
docs/screenshots/, re-compressed, refusing any over 200 kB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
MAX_BYTES = 200_000

CHILD = "test_a_child_reports_in_azerbaijani_on_a_phone_and_comes_back_with_the_code"
OPERATOR = "test_an_operator_signs_in_with_totp_and_answers_the_child"
CHOSEN = {
    "report-form-az.png": (CHILD, "child-report-filled"),  # phone, 390 px wide
    "case-code-az.png": (CHILD, "child-case-code"),  # phone
    "operator-case.png": (OPERATOR, "operator-replied"),  # desktop, 1280 px wide
}


def main() -> int:
    env = {**os.environ}
    env.setdefault("HIMOYA_DATA_DIR", tempfile.mkdtemp(prefix="himoya-shots-"))
    tests = [
        f"tests/browser/test_browser_reporting.py::{CHILD}",
        f"tests/browser/test_browser_staff.py::{OPERATOR}",
    ]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", *tests], cwd=ROOT, env=env, check=False)
    if result.returncode:
        return result.returncode
    DOCS.mkdir(parents=True, exist_ok=True)
    for target, (test, step) in CHOSEN.items():
        [source] = (ARTIFACTS / test).glob(f"[0-9][0-9]-{step}.png")
        with Image.open(source) as image:
            # A 256-colour palette is lossless to the eye for flat UI and halves the size.
            image.convert("RGB").quantize(colors=256).save(DOCS / target, format="PNG", optimize=True)
        size = (DOCS / target).stat().st_size
        print(f"{DOCS / target}: {size // 1000} kB")
        if size > MAX_BYTES:
            print(f"{target} is over {MAX_BYTES // 1000} kB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
