"""The command line's exit: no garbage collection of every library object after the last line."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys
if sys.argv[1] == "cli":
    import alphacheck.cli.main  # noqa: F401
if sys.argv[1] == "api":
    import alphacheck
    alphacheck.list_scenarios  # loads the Python API
class Cycle:
    def __del__(self):
        print("collected at exit", flush=True)
cycle = Cycle(); cycle.me = cycle; del cycle
"""


@pytest.mark.parametrize("imported, collected", [("cli", False), ("api", False), ("nothing", True)])
def test_the_interpreter_skips_its_last_collection_once_the_cli_or_api_is_loaded(imported, collected) -> None:
    # Python's last collection at exit walks every object torch, vectorbt and numba made (seconds);
    # the command line freezes them first. The control shows the probe would be collected otherwise.
    done = subprocess.run([sys.executable, "-c", SCRIPT, imported], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert ("collected at exit" in done.stdout) is collected
