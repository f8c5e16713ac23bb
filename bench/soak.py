"""The soak mode of the stateful property tests (issue #24): both state machines (tests/machines.py)
through pytest with thousands of random sequences instead of CI's bounded few.

    .venv/bin/python bench/soak.py [--examples 2000] [--steps 25] [--only purchase|sales]
                                   [--database-url postgres://postgres@127.0.0.1:5432/soak]

Each machine runs in its own pytest process (STATE_MACHINE_EXAMPLES and STATE_MACHINE_STEPS set,
DATABASE_URL when given: pytest-django makes its test database from it); the soak prints how many
sequences and steps each tried and how long it took, and the failing sequence when one fails. Exit
status 1 when any failed."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MACHINES = {
    "purchase": "tests/orders/test_state_machine.py",
    "sales": "tests/orders/test_sales_state_machine.py",
}
SUMMARY = re.compile(r"^(?:sales )?state machine: (\d+) sequences, (\d+) steps\b", re.M)


def soak(name: str, path: str, env: dict[str, str]) -> bool:
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", path, "-s", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    found = SUMMARY.search(run.stdout)
    sequences, steps = found.groups() if found else ("?", "?")
    outcome = "passed" if run.returncode == 0 else f"FAILED (pytest exit {run.returncode})"
    print(f"{name:<8} {sequences:>6} sequences {steps:>7} steps {elapsed:8.1f} s  {outcome}", flush=True)
    if run.returncode != 0:
        lines = [line for line in (run.stdout + run.stderr).splitlines() if " INFO " not in line]
        print("\n".join(lines[-120:]))
    return run.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=int(os.environ.get("STATE_MACHINE_EXAMPLES", 2000)))
    parser.add_argument("--steps", type=int, default=int(os.environ.get("STATE_MACHINE_STEPS", 25)))
    parser.add_argument("--only", choices=sorted(MACHINES))
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    env = {
        **os.environ,
        "STATE_MACHINE_EXAMPLES": str(args.examples),
        "STATE_MACHINE_STEPS": str(args.steps),
        "LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    database = "PostgreSQL" if args.database_url.startswith("postgres") else (args.database_url or "SQLite")
    print(f"soak: up to {args.examples} sequences of up to {args.steps} steps per machine, on {database}")
    started = time.monotonic()
    ok = all([soak(name, path, env) for name, path in MACHINES.items() if args.only in (None, name)])
    print(f"total {time.monotonic() - started:.1f} s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
