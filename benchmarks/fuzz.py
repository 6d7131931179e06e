"""The long schemathesis run: every operation of the OpenAPI, anonymous and with a manager's token.

Starts ``hallq serve --demo`` on a fresh SQLite file and runs the ``st`` command line against it
twice (no token, then a manager token), each with ``--max-examples`` cases per operation and a
fixed ``--seed``, checking that no reply is a 5xx and that every documented reply matches its
schema. The test suite runs the same checks on a small budget (tests/fuzz/).

    .venv/bin/python -m benchmarks.fuzz [--max-examples 100] [--seed 14] [--workers 1]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    CORES_NOTE,
    RESULTS,
    Server,
    failures,
    finish,
    heading,
    report,
    show_log_problems,
)

ST = str(Path(sys.executable).with_name("st"))
CHECKS = "not_a_server_error,response_schema_conformance"
SELF_REVOKE = r"^/api/v1/devices/tokens/\{token_id\}/revoke$"


def count(pattern: str, text: str) -> int:
    """The number a summary line of ``st run`` gives (0 when the line is absent)."""
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def run(server: Server, who: str, token: str | None, args: argparse.Namespace) -> None:
    """One ``st run`` pass; its figures reported under ``who``."""
    out = server.workdir / f"st-{who}.txt"
    command = [
        ST, "run", f"{server.base_url}/openapi.json",
        "--checks", CHECKS,
        "--max-examples", str(args.max_examples),
        "--seed", str(args.seed),
        "--workers", str(args.workers),
        "--generation-database", "none",
        "--no-color",
    ]  # fmt: skip
    if token:
        # Revoking tokens by id would revoke this pass's own token: every later case would be a 401.
        command += ["-H", f"Authorization: Bearer {token}", "--exclude-path-regex", SELF_REVOKE]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, cwd=server.workdir)
    seconds = time.monotonic() - started
    out.write_text(done.stdout + done.stderr)
    text = done.stdout
    report(f"{who}: cases generated", count(r"(\d+) generated", text), "cases", None, None)
    report(f"{who}: run time", seconds, "s", None, None)
    report(f"{who}: 5xx replies", count(r"Server error: (\d+)", text), "failures", "= 0",
           count(r"Server error: (\d+)", text) == 0)  # fmt: skip
    violations = count(r"Response violates schema: (\d+)", text)
    report(f"{who}: replies outside schema", violations, "failures", "= 0", violations == 0)
    if done.returncode != 0:
        print(f"st run exited {done.returncode}; its output is in {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=100, help="cases per operation (default 100)")
    parser.add_argument("--seed", type=int, default=14, help="schemathesis' seed (default 14)")
    parser.add_argument("--workers", default="1", help="st's concurrent workers (default 1)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per pass (default 3600)")
    args = parser.parse_args(argv)
    start = len(RESULTS)
    heading(f"schemathesis over the OpenAPI: {args.max_examples} cases per operation, seed {args.seed}")
    print(CORES_NOTE)
    server = Server().start()
    try:
        manager = server.token("manager")
        run(server, "anonymous", None, args)
        run(server, "manager", manager, args)
        crashes = server.log_path.read_text(errors="replace").count("unhandled error")
        report("unhandled errors in the server log", crashes, "errors", "= 0", crashes == 0)
    finally:
        server.stop()
    show_log_problems(server)
    finish(server, start)
    missed = failures(start)
    print(f"\nfuzz: {len(missed)} figure(s) missed their target" if missed else "\nfuzz: all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
