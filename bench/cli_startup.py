"""How fast `alphacheck --help` and each subcommand's `--help` answer.

Each command runs in a fresh process, several times; the table gives the median
wall time and its ratio to a bare `python -c pass` measured in the same run.

    python bench/cli_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median_seconds(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from alphacheck.cli.main import _COMMANDS

    baseline = _median_seconds([sys.executable, "-c", "pass"], args.repeat)
    rows = [("python -c pass", baseline)]
    for path in [[]] + [[name] for name in sorted(_COMMANDS)]:
        argv = [sys.executable, "-m", "alphacheck", *path, "--help"]
        rows.append((" ".join(["alphacheck", *path, "--help"]), _median_seconds(argv, args.repeat)))
    print("| command | median wall s | x python -c pass |\n|---|---:|---:|")
    for name, seconds in rows:
        print(f"| `{name}` | {seconds:.3f} | {seconds / baseline:.1f} |")


if __name__ == "__main__":
    main()
