"""The stable command line: ``python -m himoya.triage classify``."""

import io
import json
import subprocess
import sys
from pathlib import Path

from himoya.triage.cli import build_parser, classify, parse_line
from himoya.triage.engine import HARM_CODES

ROOT = Path(__file__).resolve().parents[2]


def run_classify(engine, lines: list[bytes], *extra: str) -> tuple[list[dict], str, int]:
    args = build_parser().parse_args(["classify", *extra])
    out, err = io.StringIO(), io.StringIO()
    code = classify(args, io.BytesIO(b"".join(lines)), out, err, engine=engine)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue(), code


def test_it_writes_one_line_per_input_in_order(engine):
    lines = [
        json.dumps({"id": 1, "text": "don't tell your parents, let's meet after school"}).encode() + b"\n",
        json.dumps({"id": "b", "text": "привет", "harm": None, "age_group": "13_17"}).encode() + b"\n",
        json.dumps({"id": None, "text": "", "harm": "scam"}).encode() + b"\n",
    ]
    rows, err, code = run_classify(engine, lines, "--batch", "2")
    assert code == 0 and err == ""
    assert [r["id"] for r in rows] == [1, "b", None]
    for row in rows:
        assert list(row)[:8] == [
            "id",
            "language",
            "language_confidence",
            "script",
            "harms",
            "flagged",
            "urgency",
            "deadline_minutes",
        ]
        assert set(row["harms"]) == set(HARM_CODES)
    assert rows[0]["urgency"] == "P1" and "grooming" in rows[0]["flagged"]
    assert rows[1]["language"] == "ru"
    assert rows[2]["flagged"] == ["scam"]


def test_malformed_lines_are_rejected_by_number_and_the_rest_goes_on(lexicon_engine):
    lines = [
        b'{"id": 1, "text": "ok"}\n',
        b"{not json\n",
        b'["a", "list"]\n',
        b'{"id": 4}\n',
        b'{"id": 5, "text": 42}\n',
        b'{"id": 6, "text": "x", "age_group": 7}\n',
        b"\xff\xfe\x00\n",
        b"\n",
        b'{"id": 9, "text": "still here"}\n',
    ]
    rows, err, code = run_classify(lexicon_engine, lines)
    assert [r["id"] for r in rows] == [1, 9]
    for n in (2, 3, 4, 5, 6, 7):
        assert f"line {n}:" in err
    assert "line 8" not in err and "line 1:" not in err
    assert code == 0
    assert run_classify(lexicon_engine, lines, "--fail-on-error")[2] == 1


def test_rejection_messages_do_not_echo_the_text(lexicon_engine):
    _, err, _ = run_classify(lexicon_engine, [b'{"id": 1, "text": 5, "secret": "Zarina Karimova"}\n'])
    assert "Zarina" not in err


def test_parse_line_accepts_optional_fields():
    item_id, kwargs = parse_line(b'{"id": 7, "text": "t", "links": ["a.com"], "hash_match": true}')
    assert item_id == 7 and kwargs["links"] == ("a.com",) and kwargs["hash_match"] is True


def test_module_entry_point_streams_from_stdin():
    proc = subprocess.run(
        [sys.executable, "-m", "himoya.triage", "classify", "--no-models"],
        input=b'{"id": "x", "text": "pay or i will post your photos"}\nnot json\n',
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    (row,) = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert row["id"] == "x" and row["urgency"] == "P1"
    assert b"line 2:" in proc.stderr
