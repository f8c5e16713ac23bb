"""bench/deviation.py in a small size, so that the benchmark cannot rot unnoticed: it must still run,
and its document must still carry the deviations it is built to carry (every 7th line a shorter
batch and an added one, every 3rd a dearer price, every 5th a later date)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_deviation_benchmark_runs_and_finds_what_its_document_carries():
    result = subprocess.run(
        [sys.executable, "bench/deviation.py", "--lines", "21", "--repeat", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # 21 lines: 3 lines x (batch quantity + added batch) + 7 prices + 4 dates.
    assert "OrderResponse: 21 lines" in out and "17 deviations found" in out, out
    for step in ("bare lxml parse", "parse + deviation engine", "hardened parse", "typed reading", "deviation engine"):
        assert step in out, out
    assert "x the bare parse" in out, out
