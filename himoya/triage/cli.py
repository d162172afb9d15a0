"""Command line: ``python -m himoya.triage {classify,train,redact}``.

``classify`` reads JSON lines on stdin and writes one JSON line per accepted input on
stdout, in input order, streaming in batches (memory stays flat however long the
input). Input object: ``{"id": any, "text": str, "harm": optional str,
"age_group": optional str, "links": optional [str], "hash_match": optional bool}``.
A line that is not such an object is rejected with ``line N: why`` on stderr and the
rest goes on; the exit status is 0 unless ``--fail-on-error`` is given and a line was
rejected (then 1). Output object: ``{"id", "language", "language_confidence",
"harms", "flagged", "urgency", "reasons", ...}`` (see docs/triage.md).

Nothing here writes report text to stderr or a log.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

if TYPE_CHECKING:
    from himoya.triage.engine import TriageEngine

DEFAULT_BATCH = 256


class LineError(ValueError):
    """A malformed input line (message names what is wrong, never the text)."""


def parse_line(raw: bytes) -> tuple[object, dict[str, object]]:
    """Parse one input line into ``(id, TriageInput keyword arguments)``.

    Raises :class:`LineError` for anything that is not a valid request.
    """
    try:
        item = json.loads(raw.decode("utf-8", errors="replace"))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise LineError(f"not valid JSON ({exc.msg if hasattr(exc, 'msg') else 'too deeply nested'})") from None
    if not isinstance(item, dict):
        raise LineError("expected a JSON object")
    text = item.get("text")
    if not isinstance(text, str):
        raise LineError("'text' is missing or not a string")
    kwargs: dict[str, object] = {"text": text}
    for key in ("harm", "age_group"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise LineError(f"'{key}' must be a string or null")
        kwargs[key] = value
    links = item.get("links") or []
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise LineError("'links' must be a list of strings")
    kwargs["links"] = tuple(links)
    hash_match = item.get("hash_match", False)
    if not isinstance(hash_match, bool):
        raise LineError("'hash_match' must be true or false")
    kwargs["hash_match"] = hash_match
    return item.get("id"), kwargs


def _dumps(obj: dict[str, object]) -> str:
    try:
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        line.encode("utf-8")
        return line
    except UnicodeEncodeError:  # a lone surrogate in an id: fall back to escapes
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"))


def _batches(stream: BinaryIO, size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for number, raw in enumerate(stream, 1):
        batch.append((number, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_engine(args: argparse.Namespace, stderr: TextIO) -> TriageEngine | None:
    from himoya.triage.engine import TriageEngine

    extra: list[dict[str, object]] = []
    if args.extra_phrases:
        for n, line in enumerate(Path(args.extra_phrases).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    extra.append(json.loads(line))
                except json.JSONDecodeError:
                    print(f"{args.extra_phrases} line {n}: not valid JSON", file=stderr)
                    return None
    try:
        engine = TriageEngine.load(model_dir=args.model_dir, extra_phrases=extra, models=not args.no_models)
    except (ValueError, KeyError, OSError) as exc:
        print(f"cannot load the triage engine: {exc}", file=stderr)
        return None
    return engine


def classify(
    args: argparse.Namespace, stdin: BinaryIO, stdout: TextIO, stderr: TextIO, engine: TriageEngine | None = None
) -> int:
    """Run ``classify`` over ``stdin``; returns the exit status. Pass ``engine`` to reuse
    one already loaded (``--model-dir``, ``--no-models`` and ``--extra-phrases`` are
    then ignored)."""
    from himoya.triage.engine import TriageInput

    if engine is None:
        engine = _load_engine(args, stderr)
        if engine is None:
            return 2
    rejected = 0
    for batch in _batches(stdin, max(1, args.batch)):
        ids: list[object] = []
        inputs: list[TriageInput] = []
        for number, raw in batch:
            if not raw.strip():
                continue  # blank lines (e.g. a trailing newline) are not requests
            try:
                item_id, kwargs = parse_line(raw)
            except LineError as exc:
                rejected += 1
                print(f"line {number}: {exc}", file=stderr)
                continue
            ids.append(item_id)
            inputs.append(TriageInput(**kwargs))  # type: ignore[arg-type]
        for item_id, result in zip(ids, engine.triage_many(inputs), strict=True):
            stdout.write(_dumps({"id": item_id, **result.to_dict()}) + "\n")
        stdout.flush()
    if rejected:
        print(f"{rejected} line(s) rejected", file=stderr)
    return 1 if (rejected and args.fail_on_error) else 0


def train(args: argparse.Namespace, stderr: TextIO) -> int:
    from himoya.triage.engine.models import MODEL_DIR
    from himoya.triage.engine.training import DEFAULT_SEED
    from himoya.triage.engine.training import train as run_training

    started = time.perf_counter()
    try:
        run_training(
            Path(args.data),
            Path(args.out) if args.out else MODEL_DIR,
            corrections=Path(args.include_corrections) if args.include_corrections else None,
            seed=args.seed if args.seed is not None else DEFAULT_SEED,
            log=lambda m: print(m, file=stderr, flush=True),
        )
    except FileNotFoundError as exc:
        print(f"training failed: {exc}", file=stderr)
        return 2
    print(f"training took {time.perf_counter() - started:.1f}s", file=stderr)
    return 0


def redact_cmd(stdin: BinaryIO, stdout: TextIO) -> int:
    from himoya.triage.engine.pii import redact

    text = stdin.read().decode("utf-8", errors="replace")
    stdout.write(redact(text))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m himoya.triage", description="Himoya triage engine")
    sub = parser.add_subparsers(dest="command", required=True)

    c = sub.add_parser("classify", help="triage JSON lines from stdin to stdout")
    c.add_argument("--model-dir", help="directory with harm_models.skops (default: the committed models)")
    c.add_argument("--extra-phrases", help="JSON lines file of extra lexicon phrases {phrase, harm, weight, tag}")
    c.add_argument("--no-models", action="store_true", help="lexicons and rules only")
    c.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="lines scored together (default %(default)s)")
    c.add_argument("--fail-on-error", action="store_true", help="exit 1 if any line was rejected")

    t = sub.add_parser("train", help="train the harm models from the public data sets")
    t.add_argument("--data", required=True, help="folder holding the data sets (e.g. ../shared/datasets)")
    t.add_argument("--out", help="where to write the model files (default: himoya/triage/data/models)")
    t.add_argument("--include-corrections", metavar="FILE", help='JSON lines {"text", "harm"} exported by the platform')
    t.add_argument("--seed", type=int, help="random seed (default: the committed one)")

    sub.add_parser("redact", help="copy stdin to stdout with personal data replaced by [kind]")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Output is UTF-8 JSON whatever the locale says.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    if args.command == "classify":
        return classify(args, sys.stdin.buffer, sys.stdout, sys.stderr)
    if args.command == "train":
        return train(args, sys.stderr)
    return redact_cmd(sys.stdin.buffer, sys.stdout)
