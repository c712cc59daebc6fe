"""Write tests/data/suite_seconds.json from the durations a full run of the suite printed.

tests/conftest.py splits the test files that are not in part 1 between parts 2 and 3 by these seconds (the largest
first, each into the part with fewer seconds so far), so that the two parts scripts/test.sh runs side by side end at
about the same time. Measure on a quiet machine, then write the table:

    PYTEST_ADDOPTS="--durations=0 --durations-min=0" bash scripts/test.sh > suite.log 2>&1
    python scripts/suite_times.py suite.log

The log holds the three parts' reports (test.sh prints parts 3 and 1 after part 2). A file's seconds are the sum of
its tests' setup, call and teardown (with ``--durations-min=0.5`` the tests under half a second are left out); a file
missing from the table (a new one, or one of fast tests only) counts 0.1 s a test. The table only orders the split: a
stale one makes the parts less even, never makes a test fail or go missing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tests" / "data" / "suite_seconds.json"
LINE = re.compile(r"^\s*(\d+(?:\.\d+)?)s (?:setup|call|teardown)\s+tests/(test_[\w.]+\.py)::")


def file_seconds(lines) -> dict[str, float]:
    seconds: dict[str, float] = defaultdict(float)
    for line in lines:
        match = LINE.match(line)
        if match:
            seconds[match.group(2)] += float(match.group(1))
    return dict(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", type=Path, help="output of a full run with --durations=0")
    parser.add_argument("--out", type=Path, default=TABLE, help=f"table to write (default: {TABLE.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    seconds: dict[str, float] = defaultdict(float)
    for log in args.logs:
        try:
            text = log.read_text(errors="replace")
        except OSError as error:
            print(f"suite_times: cannot read {log}: {error.strerror}", file=sys.stderr)
            return 2
        for name, value in file_seconds(text.splitlines()).items():
            seconds[name] += value
    if not seconds:
        print(f"suite_times: no durations in {', '.join(map(str, args.logs))} (run pytest with --durations=0)",
              file=sys.stderr)
        return 2
    table = {name: round(value, 1) for name, value in sorted(seconds.items())}
    args.out.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")
    print(f"suite_times: {len(table)} files, {sum(table.values()):.0f} s in all -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
