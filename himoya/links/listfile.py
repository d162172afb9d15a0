"""Known-link lists as CSV: reading a file line by line with a reason for each bad line, and writing one.

The file's first line names the columns: ``value`` (or ``url``, ``link``, ``domain``),
``match`` (``exact``, ``prefix`` or ``domain``; without the column, ``domain`` when the value
column is called ``domain``, else ``exact``), ``harm`` (a taxonomy code), ``source``,
``note``. Commas, semicolons or tabs separate them (spreadsheets in several of our
languages save with semicolons). Blank lines and lines starting with ``#`` are skipped.

A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``) is
written with a leading apostrophe, which reading removes again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from himoya.links.models import KnownLink, MatchType
from himoya.triage.engine.links import DOMAIN, HANDLE, describe_link, is_whole_platform

COLUMNS = ("value", "match", "harm", "source", "note")
_VALUE_NAMES = ("value", "url", "link", "domain")
_ALIASES = {"match_type": "match", "type": "match", "harm_code": "harm"}
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SOURCE_MAX = KnownLink._meta.get_field("source").max_length
_NOTE_MAX = KnownLink._meta.get_field("note").max_length


class ListFileError(ValueError):
    """The file as a whole cannot be read; nothing of it is used. The message is translated."""


@dataclass(frozen=True)
class Entry:
    value: str  # in normal form
    match_type: str
    harm: str
    source: str
    note: str
    line: int


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


def check_entry(value: str, match_type: str, harm: str, harm_codes: set[str]) -> tuple[str, str]:
    """(normal form, match type) of one entry, or ``ValidationError`` saying what is wrong."""
    value = _unescape(value.strip())
    match_type = match_type.strip().lower()
    if not value:
        raise ValidationError(_("The link is empty."), code="empty")
    if match_type not in MatchType.values:
        raise ValidationError(
            _("Unknown match “%(match)s”: use exact, prefix or domain.") % {"match": match_type[:40]}, code="match"
        )
    if harm not in harm_codes:
        raise ValidationError(_("Unknown harm code “%(harm)s”.") % {"harm": harm[:40]}, code="harm")
    link = describe_link(value)
    if link is None:
        raise ValidationError(
            _("“%(value)s” is not a web address or a user name.") % {"value": value[:80]}, code="link"
        )
    if link.kind == HANDLE and not link.host and match_type != MatchType.EXACT:
        raise ValidationError(_("A user name on no platform (@name) can only match exactly."), code="handle")
    if match_type != MatchType.EXACT and not link.specific and is_whole_platform(link.host):
        raise ValidationError(
            _("“%(value)s” is a whole platform: every report with a link there would match. List the account or page.")
            % {"value": link.host},
            code="platform",
        )
    if match_type == MatchType.DOMAIN and link.kind != DOMAIN:
        raise ValidationError(
            _("A domain entry is a host name only; “%(value)s” has a path. Use prefix for a part of a site.")
            % {"value": value[:80]},
            code="domain",
        )
    return link.normalized, match_type


@dataclass(frozen=True)
class ListFile:
    """A file that could be read as a list: its value column's name, the columns and the lines."""

    header: str
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]


def read_file(data: bytes) -> ListFile:
    """The lines of a CSV file, not checked yet (quick: no link is looked at).

    Raises :class:`ListFileError` when the file cannot be read at all (not UTF-8 text, no
    header naming the value and harm columns, too large, a line the CSV reader cannot parse).
    """
    if len(data) > MAX_FILE_BYTES:
        raise ListFileError(_("The file is too large: at most %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
    if b"\x00" in data:
        raise ListFileError(_("This is not a text file. Save the list as CSV (UTF-8) and try again."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ListFileError(
            _("Line %(line)s is not UTF-8 text. Save the list as CSV (UTF-8) and try again.") % {"line": line}
        ) from None
    rows = _rows(text)
    header, columns = _header(rows)
    if len(rows) > MAX_ROWS:
        raise ListFileError(_("The file has more than %(max)s lines.") % {"max": MAX_ROWS})
    return ListFile(header, columns, rows)


def check_lines(
    file: ListFile, harm_codes: set[str], default_source: str = "", progress: Callable[[int], None] | None = None
) -> tuple[list[Entry], list[LineError]]:
    """Entries of a file and the lines that could not be used, with why.

    A value listed twice with the same match type keeps its last line. ``progress(n)`` is
    told every thousand lines how many have been checked.
    """
    entries: dict[tuple[str, str], Entry] = {}
    errors: list[LineError] = []
    for checked, (line, cells) in enumerate(file.rows, 1):
        if progress is not None and checked % 1000 == 0:
            progress(checked)
        row = {name: cells[index].strip() if index < len(cells) else "" for name, index in file.columns.items()}
        source = row.get("source") or default_source
        note = row.get("note", "")
        try:
            if len(source) > _SOURCE_MAX or len(note) > _NOTE_MAX:
                raise ValidationError(
                    _("The source can be up to %(source)s characters and the note up to %(note)s.")
                    % {"source": _SOURCE_MAX, "note": _NOTE_MAX},
                    code="too_long",
                )
            match_type = row.get("match") or (MatchType.DOMAIN if file.header == "domain" else MatchType.EXACT)
            value, match_type = check_entry(row.get("value", ""), match_type, row.get("harm", ""), harm_codes)
        except ValidationError as exc:
            errors.append(LineError(line, exc.messages[0]))
            continue
        entries.pop((match_type, value), None)
        entries[(match_type, value)] = Entry(value, match_type, row["harm"], source, note, line)
    return list(entries.values()), errors


def write_rows(entries) -> Iterator[str]:
    """CSV text, a line at a time: the header, then one line per entry (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_escape(str(cell)) for cell in cells])
        return buffer.getvalue()

    yield line(COLUMNS)
    for entry in entries:
        yield line([entry.value, entry.match_type, entry.harm_id, entry.source, entry.note])


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every line that is not blank or a comment."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
                continue
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ListFileError(
            _("Line %(line)s cannot be read as CSV (%(why)s); nothing was imported.")
            % {"line": reader.line_num, "why": str(exc)}
        ) from None
    return rows


def _header(rows: list[tuple[int, list[str]]]) -> tuple[str, dict[str, int]]:
    """Remove the header row from ``rows``; (name of the value column, column -> index)."""
    if not rows:
        raise ListFileError(_("The file is empty."))
    _line, cells = rows.pop(0)
    columns: dict[str, int] = {}
    header = ""
    for index, cell in enumerate(cells):
        name = cell.strip().lower().replace(" ", "_")
        if name in _VALUE_NAMES and "value" not in columns:
            columns["value"], header = index, name
            continue
        name = _ALIASES.get(name, name)
        if name in COLUMNS and name not in columns:
            columns[name] = index
    missing = [name for name in ("value", "harm") if name not in columns]
    if missing:
        raise ListFileError(
            _(
                "The first line must name the columns: value (or url, link, domain), match, harm, source, note. "
                "Missing: %(missing)s."
            )
            % {"missing": ", ".join(missing)}
        )
    return header, columns


def _escape(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell
