"""Shared helpers for the benchmarks: servers, a load generator, process measurements.

The benchmark scripts import this module by file (``benchmarks/`` is their ``sys.path[0]``).
Nothing here imports Django: each benchmark runs Django only in the processes it starts,
each with the environment of its round.

Load generator: ``python benchmarks/_common.py loadgen SPEC.json OUT.json`` runs closed-loop
HTTP/1.1 keep-alive clients on raw asyncio streams (uvloop when installed), so that the
client side costs little CPU on a machine whose cores it shares with the server.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SEQ_MARK = b"@@SEQ@@@"  # replaced in each request body by an 8-digit sequence number


# --- Processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict[str, str], *, what: str) -> str:
    """Run a command to completion in the repository; its stdout, or exit with its output."""
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def http_get(host: str, port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """A minimal blocking GET (for health checks; the load itself uses ``LoadGenerator``)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@dataclass
class Service:
    """A long-running process started by a benchmark, in its own process group."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    _log: object = None

    def start(self) -> Service:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> int | None:
        """Ask the process to stop as it would be asked in production (SIGINT, then SIGTERM),
        let it finish its in-flight work, and kill its group only if it does not stop."""
        if self.proc is None:
            return None
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0)):
            if self.proc.poll() is not None:
                break
            self.proc.send_signal(sig)
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        # Children (uvicorn's worker processes) stop with their parent; make sure of it.
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            pass
        else:
            time.sleep(0.5)
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
        return self.proc.returncode


def wait_healthy(service: Service, host: str, port: int, path: str = "/healthz", timeout: float = 300.0) -> float:
    """Seconds until ``path`` answers 200; exits with the service's log if it never does."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not service.alive():
            sys.exit(f"{service.name} exited before it was healthy:\n{service.log_tail()}")
        try:
            status, _ = http_get(host, port, path)
            if status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    service.stop()
    sys.exit(f"{service.name} was not healthy after {timeout:.0f}s:\n{service.log_tail()}")


def wait_logged(service: Service, text: str, timeout: float = 300.0) -> float:
    """Seconds until ``text`` is in the service's log (a worker that says it has started);
    exits with the log if it never is."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not service.alive():
            sys.exit(f"{service.name} exited before it was ready:\n{service.log_tail()}")
        if text in service.log_tail(chars=1_000_000):
            return time.monotonic() - started
        time.sleep(0.2)
    service.stop()
    sys.exit(f"{service.name} was not ready after {timeout:.0f}s:\n{service.log_tail()}")


# --- Measurements of processes (Linux /proc) ----------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, in MiB."""
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / ticks, sum(fields[:8]) / ticks


class Sampler:
    """Read some gauges every ``interval`` seconds in a thread; the highest value of each.

    ``with Sampler({"name": fn}) as peaks: ...`` fills ``peaks`` when the block ends.
    """

    def __init__(self, gauges: dict[str, Callable[[], float]], interval: float = 0.5) -> None:
        self.gauges = gauges
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for name, gauge in self.gauges.items():
                try:
                    value = gauge()
                except Exception:  # noqa: BLE001 - a gauge that fails is left out, the load goes on
                    self.failures[name] = self.failures.get(name, 0) + 1
                else:
                    self.peaks[name] = max(value, self.peaks.get(name, value))

    def __enter__(self) -> dict[str, float]:
        if self.gauges:
            self._thread.start()
        return self.peaks

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def slow_seconds(started_s: list[float], latencies_ms: list[float], over_ms: float) -> dict[int, int]:
    """How many requests slower than ``over_ms`` were sent in each second of the window."""
    counts: dict[int, int] = {}
    for started, ms in zip(started_s, latencies_ms, strict=True):
        if ms > over_ms:
            counts[int(started)] = counts.get(int(started), 0) + 1
    return counts


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# --- Load generator ---------------------------------------------------------------------------


@dataclass
class LoadSpec:
    host: str
    port: int
    method: str
    path: str
    headers: dict[str, str]
    bodies: list[str]  # cycled through; SEQ_MARK in a body becomes the request's number
    clients: int
    seconds: float
    warmup: float = 0.0
    expect_status: int = 201
    timeout: float = 30.0


@dataclass
class LoadResult:
    seconds: float  # the measured window, after warm-up
    latencies_ms: list[float] = field(default_factory=list)  # accepted, measured window
    started_s: list[float] = field(default_factory=list)  # when each of those was sent, from the window's start
    accepted_bodies: list[str] = field(default_factory=list)  # every accepted response, warm-up too
    accepted_measured: int = 0
    accepted_warmup: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0


def _request_bytes(spec: LoadSpec) -> list[bytes]:
    head = f"{spec.method} {spec.path} HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in spec.headers.items())
    out = []
    for body in spec.bodies:
        data = body.encode()
        out.append(f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
    return out


async def _client(spec: LoadSpec, requests: list[bytes], state: dict, result: LoadResult) -> None:
    loop = asyncio.get_running_loop()
    reader = writer = None
    while True:
        now = loop.time()
        if now >= state["end"]:
            break
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection(spec.host, spec.port)
            except OSError as exc:
                _error(result, f"connect: {exc!r}")
                await asyncio.sleep(0.05)
                continue
        seq = state["seq"]
        state["seq"] = seq + 1
        request = requests[seq % len(requests)]
        if SEQ_MARK in request:
            request = request.replace(SEQ_MARK, b"%08d" % seq, 1)
        started = time.perf_counter()
        in_warmup = now < state["measure_from"]
        try:
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), spec.timeout)
            status = int(head[9:12])
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            body = await asyncio.wait_for(reader.readexactly(length), spec.timeout) if length else b""
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
            _error(result, f"request: {exc!r}")
            writer.close()
            reader = writer = None
            continue
        elapsed_ms = (time.perf_counter() - started) * 1000
        result.statuses[status] += 1
        if status == spec.expect_status:
            result.accepted_bodies.append(body.decode("utf-8", "replace"))
            if in_warmup:
                result.accepted_warmup += 1
            else:
                result.accepted_measured += 1
                result.latencies_ms.append(elapsed_ms)
                result.started_s.append(now - state["measure_from"])
        else:
            _error(result, f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}")
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _error(result: LoadResult, text: str) -> None:
    result.errors += 1
    if len(result.error_samples) < 10:
        result.error_samples.append(text)


async def _generate(spec: LoadSpec) -> LoadResult:
    loop = asyncio.get_running_loop()
    requests = _request_bytes(spec)
    start = loop.time()
    state = {"seq": 0, "measure_from": start + spec.warmup, "end": start + spec.warmup + spec.seconds}
    result = LoadResult(seconds=spec.seconds)
    cpu_before = time.process_time()
    # A request started before the end is finished and counted: the server accepted it.
    await asyncio.gather(*(_client(spec, requests, state, result) for _ in range(spec.clients)))
    # The window really measured: until the last response of a request started in time.
    result.seconds = loop.time() - state["measure_from"]
    result.cpu_seconds = time.process_time() - cpu_before
    return result


def _loadgen_main(spec_path: str, out_path: str) -> None:
    spec = LoadSpec(**json.loads(Path(spec_path).read_text()))
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(_generate(spec))
    else:
        result = uvloop.run(_generate(spec))
    data = result.__dict__ | {"statuses": {str(k): v for k, v in result.statuses.items()}}
    Path(out_path).write_text(json.dumps(data))


def generate_load(spec: LoadSpec, workdir: Path) -> tuple[LoadResult, float]:
    """Run the load generator in its own process; its result and the process's CPU seconds."""
    spec_path = workdir / "loadgen-spec.json"
    out_path = workdir / "loadgen-result.json"
    spec_path.write_text(json.dumps(spec.__dict__))
    started = time.monotonic()
    done = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "loadgen", str(spec_path), str(out_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=spec.warmup + spec.seconds + spec.timeout + 60,
    )
    if done.returncode != 0:
        sys.exit(f"load generator failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(out_path.read_text())
    data["statuses"] = Counter({int(k): v for k, v in data["statuses"].items()})
    wall = time.monotonic() - started
    return LoadResult(**data), wall


def temp_dir(prefix: str) -> Path:
    """A fresh directory outside the repository (HIMOYA_DATA_DIR must be)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


# --- One throwaway database per engine ------------------------------------------------------------


def django_env(data_dir: Path) -> dict[str, str]:
    """The environment of a benchmark's Django process: its own data directory, no inherited
    DATABASE_URL or REDIS_URL (each round sets what it measures)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {"HIMOYA_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings", "HIMOYA_LOG_LEVEL": "WARNING"}
    )
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_json(cmd: list[str], env: dict[str, str], *, what: str, timeout: float = 3600) -> dict:
    """Run a benchmark's worker process and return the JSON its last line of output holds."""
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def on_each_engine(engine: str, prefix: str, work: Callable[[dict[str, str]], dict]) -> dict | None:
    """Call ``work(env)`` against a fresh database of ``engine`` ("sqlite" or "postgresql")
    in a fresh data directory, and remove both afterwards.

    PostgreSQL is reached through HIMOYA_BENCH_POSTGRES_URL (default the local server's
    ``postgres`` database), where a database is created and dropped; when it cannot be
    reached the round is skipped and None returned.
    """
    data_dir = temp_dir(f"himoya-bench-{prefix}-")
    try:
        env = django_env(data_dir)
        if engine == "sqlite":
            return work(env)
        try:
            import psycopg
        except ImportError:
            return None
        admin_url = os.environ.get("HIMOYA_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        try:
            admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL not reachable ({exc}); skipping it", file=sys.stderr)
            return None
        name = f"himoya_bench_{prefix}_{os.getpid()}_{int(time.time())}"
        try:
            admin.execute(f'CREATE DATABASE "{name}"')
            env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + name
            return work(env)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "loadgen":
        _loadgen_main(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: _common.py loadgen SPEC.json OUT.json")
