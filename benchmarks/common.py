"""Shared pieces of the benchmarks: a server subprocess on a temp SQLite file, tokens, RSS, report lines.

Only the standard library, httpx and websockets: the benchmarks drive the server from outside, the way
kiosks, boards and clerks do, and read the SQLite file with ``sqlite3`` for the consistency checks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
HALLQ = str(Path(sys.executable).with_name("hallq"))
START_TIMEOUT = 90.0

CORES_NOTE = (
    f"note: client and server share this machine's {os.cpu_count()} cores; "
    "the load generator's CPU is taken from the server's."
)


# ------------------------------------------------------------------ report lines


@dataclass
class Figure:
    """One reported figure."""

    name: str
    value: float | int | str
    unit: str
    target: str | None
    ok: bool | None


RESULTS: list[Figure] = []


def format_value(value: float | int | str) -> str:
    if isinstance(value, (bool, str, int)):
        return str(value)
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def report(name: str, value: float | int | str, unit: str, target: str | None, ok: bool | None) -> Figure:
    """Print one figure against its target, e.g.
    ``issue throughput      1234.5 tickets/s   target >= 1000   OK``; ``ok=None`` marks a plain figure."""
    figure = Figure(name, value, unit, target, ok)
    RESULTS.append(figure)
    verdict = "" if ok is None else ("OK" if ok else "FAIL")
    aim = f"target {target}" if target else ""
    print(f"{name:<36}{format_value(value):>10} {unit:<12}{aim:<18}{verdict}".rstrip(), flush=True)
    return figure


def failures(since: int = 0) -> list[Figure]:
    """Figures reported (from index ``since``) that missed their target."""
    return [f for f in RESULTS[since:] if f.ok is False]


def heading(text: str) -> None:
    """A section title."""
    print(f"\n== {text} ==", flush=True)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile of ``values`` (pct in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# ------------------------------------------------------------------ the server


def on_sqlite_and_postgresql(name: str, bench: Callable[[str, str, Any], None], args: Any) -> None:
    """Run ``bench(kind, url, args)`` on a SQLite file, then (unless ``--no-postgres``) on a
    database of a throwaway PostgreSQL cluster."""
    with tempfile.TemporaryDirectory(prefix=f"hallq-{name}-") as folder:
        bench("sqlite", str(Path(folder) / f"{name}.db"), args)
    if not args.no_postgres:
        from tests.support.postgres import PostgresCluster, create_database

        with PostgresCluster() as cluster:
            bench("postgresql", create_database(cluster.url, f"hallq_{name}"), args)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    """A process's resident set (``VmRSS``, or ``VmHWM`` for the peak) in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field_name} not in /proc/{pid}/status")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and its reaped children), from /proc/PID/stat (0 once gone:
    nginx's cache loader exits by itself)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / TICK  # utime stime cutime cstime


def thread_cpu(pid: int) -> dict[int, float]:
    """User + system CPU of each live thread of a process so far, by thread id (/proc/PID/task)."""
    found = {}
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def thread_split(pid: int, before: dict[int, float], after: dict[int, float]) -> tuple[float, float]:
    """CPU seconds between two ``thread_cpu`` readings of a server: its main thread (the event
    loop) and its busiest other thread (the writer, under load)."""
    spent = {tid: seconds - before.get(tid, 0.0) for tid, seconds in after.items()}
    others = [seconds for tid, seconds in spent.items() if tid != pid]
    return spent.get(pid, 0.0), max(others, default=0.0)


def hallq(*args: str, cwd: Path | None = None) -> str:
    """Run the ``hallq`` command line; its stdout (raises with stderr on failure)."""
    done = subprocess.run([HALLQ, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"hallq {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


@dataclass
class Server:
    """``hallq serve --demo`` on a temp SQLite file and a free port; logs go to ``server.log`` beside it."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hallq-bench-")))
    db_name: str = "hallq.db"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def db(self) -> Path:
        return self.workdir / self.db_name

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def pid(self) -> int:
        assert self.process is not None, "server not started"
        return self.process.pid

    def start(self, timeout: float = START_TIMEOUT) -> Server:
        """Start (or restart on the same file) and wait for /healthz; a new free port each time."""
        assert self.process is None or self.process.poll() is not None, "server already running"
        self.port = free_port()
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"\n---- start #{self.starts} on port {self.port} ----\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [HALLQ, "serve", "--db", str(self.db), "--port", str(self.port), "--demo"],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer /healthz within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """Stop gracefully (SIGTERM: the writer drains, the WAL is checkpointed); SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"warning: server {self.pid} ignored SIGTERM for {timeout:.0f} s; killing it", flush=True)
            self.process.kill()
            return self.process.wait()

    def kill9(self) -> None:
        """SIGKILL the server process: no shutdown, no flush, no checkpoint."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def rss_mb(self, field_name: str = "VmRSS") -> float:
        """The server's resident memory in MB (MiB)."""
        return rss_kib(self.pid, field_name) / 1024

    def token(self, role: str, window: str | None = None) -> str:
        """A fresh token from ``hallq token create`` (works while the server runs)."""
        args = ["token", "create", "--role", role, "--db", str(self.db), "--label", f"bench {role}"]
        if window is not None:
            args += ["--window", window]
        return hallq(*args, cwd=self.workdir).strip().splitlines()[-1].strip()

    def lift_daily_caps(self) -> int:
        """Set every service's daily cap (放号量) to none, through catalogue export/import.

        The demo hall caps each service at 50-300 tickets a day (7,730 in all): a load test at
        1,000 tickets/s would otherwise measure refusals after a few seconds. Returns the old total.
        """
        exported = self.workdir / "catalogue.json"
        hallq("catalogue", "export", str(exported), "--db", str(self.db), cwd=self.workdir)
        data = json.loads(exported.read_text(encoding="utf-8"))
        total = sum(s.get("daily_cap") or 0 for s in data["services"])
        for service in data["services"]:
            service["daily_cap"] = None
        uncapped = self.workdir / "catalogue-uncapped.json"
        uncapped.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        hallq("catalogue", "import", str(uncapped), "--db", str(self.db), cwd=self.workdir)
        return total

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server log."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        """Log lines that look like trouble (tracebacks, errors, warnings)."""
        if not self.log_path.exists():
            return []
        marks = ("Traceback", " ERROR ", " WARNING ", " CRITICAL ")
        return [
            line
            for line in self.log_path.read_text(errors="replace").splitlines()
            if any(m in line for m in marks)
        ]

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def finish(server: Server, since: int) -> None:
    """Stop the server; delete its temp dir unless a figure since ``since`` failed or HALLQ_BENCH_KEEP=1."""
    server.stop()
    if failures(since) or os.environ.get("HALLQ_BENCH_KEEP"):
        print(f"kept the server log and database in {server.workdir}")
    else:
        shutil.rmtree(server.workdir, ignore_errors=True)


def auth(token: str) -> dict[str, str]:
    """The bearer header."""
    return {"Authorization": f"Bearer {token}"}


def show_log_problems(server: Server) -> None:
    """Print the server log's error lines, if any (they are part of the result)."""
    problems = server.log_problems()
    if problems:
        print(f"server log {server.log_path}: {len(problems)} error/warning lines, first ones:")
        for line in problems[:10]:
            print("   ", line)
