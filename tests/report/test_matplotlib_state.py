"""The report step leaves the caller's matplotlib as it found it: backend, figures, style, interactive mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# A caller (a notebook, a script) with its own backend, two open figures and interactive mode on.
_CALLER = """
import json, sys
import matplotlib
matplotlib.use("svg")  # not Agg, and safe without a display
import matplotlib.pyplot as plt

plt.ion()
mine = plt.figure(num="mine")
mine.gca().plot([1, 2, 3])
plt.figure(num="other")
plt.figure("mine")
style = matplotlib.rcParams.copy()

from alphacheck.report.builder import build_report

files = build_report(sys.argv[1], tearsheets=True)
after = matplotlib.rcParams.copy()
print(json.dumps({
    "tearsheets": len(files.tearsheets),
    "backend": matplotlib.get_backend(),
    "figures": plt.get_figlabels(),
    "current": plt.gcf().get_label(),
    "lines": len(mine.axes[0].lines),
    "interactive": plt.isinteractive(),
    "rc_changed": sorted(key for key in style if key != "backend" and style[key] != after[key]),
}))
"""


@pytest.mark.slow
def test_the_report_keeps_the_callers_backend_figures_and_style(run_dir):
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    done = subprocess.run([sys.executable, "-c", _CALLER, str(run_dir)], capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state == {
        "tearsheets": 2,
        "backend": "svg",
        "figures": ["mine", "other"],
        "current": "mine",
        "lines": 1,
        "interactive": True,
        "rc_changed": [],
    }


def test_the_command_line_draws_headless_unless_mplbackend_chose(tmp_path):
    """A matplotlibrc's GUI backend is replaced by Agg in a command's process; MPLBACKEND is obeyed."""
    (tmp_path / "matplotlibrc").write_text("backend: svg\n")
    probe = ("import matplotlib; from alphacheck.cli.main import headless_matplotlib; headless_matplotlib(); "
             "print(matplotlib.get_backend())")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["MPLCONFIGDIR"] = str(tmp_path)

    def backend(**extra: str) -> str:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                              env={**env, **extra})
        return done.stdout.strip().lower()

    assert backend() == "agg"
    assert backend(MPLBACKEND="pdf") == "pdf"
