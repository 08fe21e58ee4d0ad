"""Where the test suite's time goes, per file, from a recorded run (docs/testing.md's table):

    ./run.sh test --record-durations tests/durations.json    # the whole suite, recorded
    python benchmarks/test_times.py                          # its seconds per file

Each test's seconds are its setup, call and teardown in one worker of ``-n auto`` (a
session fixture's cost lands on the first test that asks for it). A test over
``QUICK_S`` (tests/conftest.py) is ``slow``, as is a test marked so by hand: the quick lane (``./run.sh test
--quick``) leaves them out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def quick_lane() -> set[str]:
    """The tests ``-m "not slow"`` selects (those over conftest's QUICK_S in the record, and those
    marked by hand, left out), as pytest collects them."""
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "not slow", "-p", "no:xdist"],
                         cwd=REPO, capture_output=True, text=True).stdout
    return {line for line in out.splitlines() if "::" in line}


def per_file(seconds: dict[str, float], quick: set[str]) -> list[tuple[str, int, int, float, float]]:
    """(file, tests, quick tests, all seconds, quick seconds), the slowest file first."""
    rows: dict[str, list] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for nodeid, s in seconds.items():
        r = rows[nodeid.split("::")[0]]
        quick_one = nodeid in quick
        r[0] += 1
        r[1] += quick_one
        r[2] += s
        r[3] += s if quick_one else 0.0
    return sorted(((f, *r) for f, r in rows.items()), key=lambda r: -r[3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("record", nargs="?", type=Path, default=REPO / "tests" / "durations.json")
    seconds = json.loads(ap.parse_args().record.read_text())
    quick = quick_lane()
    rows = per_file(seconds, quick)
    print("| file | tests (quick) | seconds (quick lane) |\n|---|---|---|")
    for f, n, q, s, qs in rows:
        print(f"| `{Path(f).name}` | {n} ({q}) | {s:.0f} ({qs:.1f}) |")
    lane = [s for k, s in seconds.items() if k in quick]
    print(f"\n{len(seconds)} tests, {sum(seconds.values()):.0f} s of test time in all; the quick lane "
          f"{len(lane)} tests, {sum(lane):.0f} s")


if __name__ == "__main__":
    main()
