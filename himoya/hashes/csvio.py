"""Reading and writing hash lists in the CSV forms hotlines exchange.

Three forms are read, told apart by the first row:

* **threatexchange** - what ``threatexchange dataset --print-signals --csv`` writes
  (python-threatexchange): a header ``signal_type,signal_str,collab,category,tags``;
  rows whose ``signal_type`` is ``pdq``. Rows the source marks ``NEGATIVE_CLASS``
  (false positives, test data) are counted and left out;
* **hma** - HMA 1.0's stored form (``HMASerialization``, ``simple.HASH_PDQ.te``): no
  header, ``hash,indicator_id,first_descriptor_id,added_on,labels``;
* **simple** - ``hash,label``, with or without that header; the label may be left out.

A hash is 64 hex digits (256 bits), as python-threatexchange writes PDQ. Every row is
checked and every problem kept with its line number; the caller decides what to apply
(Himoya applies a file only if it has no problem at all: see docs/images.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from himoya.triage.engine.images import PDQ_HEX_CHARS

LABEL_MAX_CHARS = 200
EXPORT_FORMATS = ("simple", "threatexchange")
TE_HEADER = ["signal_type", "signal_str", "collab", "category", "tags"]
TE_NEGATIVE = "NEGATIVE_CLASS"
TE_POSITIVE = "POSITIVE_CLASS"
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    code: str
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"line": self.line, "code": self.code, "params": self.params}


@dataclass
class Parsed:
    """A checked file: ``hashes`` is ``(n, 32)`` uint8, with one label and line per row."""

    form: str
    hashes: np.ndarray
    labels: list[str]
    lines: list[int]
    not_positive: int = 0
    errors: list[RowError] = field(default_factory=list)


def describe(error: dict) -> str:
    """A problem found in a file, in the active language."""
    code, params = error.get("code"), error.get("params") or {}
    messages = {
        "encoding": lambda: _("The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."),
        "csv": lambda: _("The file is not valid CSV here: %(detail)s.") % params,
        "empty": lambda: _("The file has no hashes."),
        "columns": lambda: _("Expected %(expected)s columns, found %(found)s.") % params,
        "length": lambda: (
            ngettext(
                "The hash has %(count)s character; a PDQ hash has 64 hex digits.",
                "The hash has %(count)s characters; a PDQ hash has 64 hex digits.",
                params.get("count", 0),
            )
            % params
        ),
        "hex": lambda: _("The hash has characters other than 0–9 and a–f."),
        "duplicate": lambda: _("The same hash is already on line %(first)s of this file.") % params,
        "signal_type": lambda: _("This row is a “%(type)s” signal, not a PDQ hash.") % params,
        "label": lambda: _("The label is longer than %(max)s characters.") % params,
        "failed": lambda: _("The import stopped because of an error on the server. Nothing was imported."),
    }
    return messages[code]() if code in messages else str(code)


def parse(data: bytes) -> Parsed:
    """Check every row of ``data``. Never raises on any bytes; problems are in ``errors``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return _empty("", [RowError(line, "encoding")])
    reader = csv.reader(io.StringIO(text, newline=""))
    hex_rows: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    errors: list[RowError] = []
    form = ""
    not_positive = 0
    te_columns: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if not form:
                form, te_columns = _detect(row)
                if form.endswith(":header"):
                    form = form.removesuffix(":header")
                    continue
            if form == "threatexchange":
                outcome = _te_row(row, te_columns, line)
            elif form == "hma":
                outcome = _row(row, line, hash_at=0, label_at=4, columns=(5, 5))
            else:
                outcome = _row(row, line, hash_at=0, label_at=1, columns=(1, 2))
            if outcome is None:
                not_positive += 1
            elif isinstance(outcome, RowError):
                errors.append(outcome)
            else:
                hex_rows.append(outcome[0])
                labels.append(outcome[1])
                lines.append(line)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "csv", {"detail": str(exc)}))
    if not hex_rows and not errors and not not_positive:
        errors.append(RowError(1, "empty"))
    hashes = (
        np.frombuffer(bytes.fromhex("".join(hex_rows)), dtype=np.uint8).reshape(-1, 32)
        if hex_rows
        else np.empty((0, 32), dtype=np.uint8)
    )
    errors.extend(_duplicates(hashes, lines))
    errors.sort(key=lambda e: e.line)
    return Parsed(form or "simple", hashes, labels, lines, not_positive, errors)


def _empty(form: str, errors: list[RowError]) -> Parsed:
    return Parsed(form, np.empty((0, 32), dtype=np.uint8), [], [], 0, errors)


def _detect(row: list[str]) -> tuple[str, dict[str, int]]:
    cells = [cell.strip().lower() for cell in row]
    if "signal_str" in cells:
        return "threatexchange:header", {name: cells.index(name) for name in cells}
    if cells[0] in ("hash", "pdq", "signal", "signal_str", "hash_pdq"):
        return "simple:header", {}
    if len(cells) == 5 and cells[1].isdigit():
        return "hma", {}
    return "simple", {}


def _check_hash(value: str, line: int) -> RowError | None:
    if len(value) != PDQ_HEX_CHARS:
        return RowError(line, "length", {"count": len(value)})
    if not _HEX.issuperset(value):
        return RowError(line, "hex")
    return None


def _check_label(label: str, line: int) -> RowError | None:
    if len(label) > LABEL_MAX_CHARS:
        return RowError(line, "label", {"max": LABEL_MAX_CHARS})
    return None


def _row(row: list[str], line: int, *, hash_at: int, label_at: int, columns: tuple[int, int]):
    if not columns[0] <= len(row) <= columns[1]:
        expected = str(columns[0]) if columns[0] == columns[1] else f"{columns[0]}–{columns[1]}"
        return RowError(line, "columns", {"expected": expected, "found": len(row)})
    value = row[hash_at].strip()
    label = row[label_at].strip() if len(row) > label_at else ""
    problem = _check_hash(value, line) or _check_label(label, line)
    return problem or (value.lower(), label)


def _te_row(row: list[str], columns: dict[str, int], line: int):
    if len(row) != len(columns):
        return RowError(line, "columns", {"expected": len(columns), "found": len(row)})
    signal_type = row[columns["signal_type"]].strip() if "signal_type" in columns else "pdq"
    if signal_type.lower() != "pdq":
        return RowError(line, "signal_type", {"type": signal_type[:40]})
    if "category" in columns and row[columns["category"]].strip().upper() == TE_NEGATIVE:
        return None
    value = row[columns["signal_str"]].strip()
    label = row[columns["tags"]].strip() if "tags" in columns else ""
    problem = _check_hash(value, line) or _check_label(label, line)
    return problem or (value.lower(), label)


def _duplicates(hashes: np.ndarray, lines: list[int]) -> Iterator[RowError]:
    if len(hashes) < 2:
        return
    keys = np.ascontiguousarray(hashes).view("V32").ravel()
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    # Each repeat points at the first line of its run of equal hashes.
    run_starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    firsts = run_starts[np.searchsorted(run_starts, same, side="right") - 1]
    for position, first in zip(same, firsts, strict=True):
        yield RowError(lines[order[position]], "duplicate", {"first": lines[order[first]]})


def export(rows: Iterable[tuple[bytes, str]], *, form: str, bank_name: str) -> Iterator[str]:
    """CSV text, line by line, of ``(pdq, label)`` rows in ``form`` (see :data:`EXPORT_FORMATS`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(TE_HEADER if form == "threatexchange" else ["hash", "label"])
    yield flush()
    for pdq, label in rows:
        if form == "threatexchange":
            writer.writerow(["pdq", bytes(pdq).hex(), bank_name, TE_POSITIVE, label])
        else:
            writer.writerow([bytes(pdq).hex(), label])
        yield flush()
