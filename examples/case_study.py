"""The original project's claims put through alphacheck: runs everything, writes docs/case-study.md.

Usage, from the repository root with ``../shared/data/yahoo`` beside it (or ``--data DIR``)::

    python examples/case_study.py          # or: make case-study

Offline: the real Yahoo CSVs of AAPL, MSFT, SPY and XBI are imported into a
temporary ``ALPHACHECK_HOME``, and every run reads them from there. Five runs
(``original_claims`` with ``target_class``, with ``target_class_literal`` and
without a plugin; ``covid_crash_2020``; ``biotech_winter_2022``) and one
``alphacheck audit`` give every figure of the document: the document is a
template whose fields are filled from them, and ``figures.json`` beside the
plots holds each field's value (``tests/examples/test_case_study.py`` parses
the document and compares). Only the original's claimed figures are typed.

``--small`` makes the same runs on shorter price histories (one or two folds
each) and the audit with fewer epochs: the test of the script's mechanics,
not a study to publish.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import importlib.util
import json
import os
import resource
import string
import subprocess
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "examples" / "plugins" / "original_target_class.py"
TEMPLATE = REPO / "examples" / "case_study_template.md"
DATA = REPO.parent / "shared" / "data" / "yahoo"
TICKERS = ("AAPL", "MSFT", "SPY", "XBI")
LEAKS = ("target_class", "target_class_literal")
SUMMED_CLAIM = -1.61  # the original's "-161%" transaction-cost figure
# --small: each run's price history cut to what its figures need (the first folds of
# original_claims, the COVID window in fold 0, the biotech window in the last fold).
SMALL = {
    "original_claims": {"data.end": "2021-03-31"},
    "covid_crash_2020": {"data.end": "2020-12-31"},
    "biotech_winter_2022": {"data.start": "2019-11-01", "data.end": "2022-12-31"},
}
SMALL_AUDIT_EPOCHS = 5

#: How each field of the template is written: ``{key:spec}``.
FORMATS = {
    "pct": lambda v: f"{100 * v:.1f}%",
    "spct": lambda v: f"{100 * v:+.1f}%",
    "pts": lambda v: f"{100 * v:+.1f} points",
    "pp": lambda v: f"{100 * v:.1f} points",
    "f2": lambda v: f"{v:.2f}",
    "p": lambda v: f"{v:.2g}",
    "int": lambda v: f"{int(v)}",
    "bps": lambda v: f"{v:.0f} bps",
    "min": lambda v: f"{v / 60:.1f} min",
    "s": str,
}


class FigureFormatter(string.Formatter):
    """Fills ``{key:spec}`` fields from the figures; ``spec`` names one of :data:`FORMATS`."""

    def get_value(self, key, args, kwargs):
        return kwargs[key]

    def format_field(self, value, format_spec):
        return FORMATS[format_spec or "s"](value)


def main(argv: list[str] | None = None) -> int:
    """Run the case study; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of AAPL, MSFT, SPY and XBI .csv")
    parser.add_argument("--docs", type=Path, default=REPO / "docs", help="where case-study.md goes")
    parser.add_argument("--work", type=Path, help="keep (and reuse) the runs here; default: a temporary one")
    parser.add_argument("--epochs", type=int, help="training epochs of every run (default: each scenario's)")
    parser.add_argument("--small", action="store_true", help="shorter histories: tests the script, fast")
    args = parser.parse_args(argv)
    missing = [t for t in TICKERS if not (args.data / f"{t}.csv").is_file()]
    if missing:
        files = ", ".join(f"{t}.csv" for t in missing)
        print(
            f"case study: no {files} in {args.data}; it runs offline from the real Yahoo CSVs in "
            "../shared/data/yahoo beside the repository (or give --data DIR)",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="alphacheck-case-study-") as scratch:
        work = args.work or Path(scratch)
        figures = run_case_study(args.data, work, args.epochs, small=args.small)
        write_document(figures, args.docs)
    print(f"wrote {args.docs / 'case-study.md'} and {args.docs / 'case-study'}/")
    return 0


def run_case_study(data: Path, work: Path, epochs: int | None, small: bool = False) -> dict:
    """Import the prices, make every run and the audit, and gather the figures.

    A run (or the audit) whose results ``work`` already holds, with its time
    and date in ``work/times.json``, is read back instead of made again; the
    document's times and dates are the recorded ones either way.
    """
    times_file = work / "times.json"
    times = json.loads(times_file.read_text()) if times_file.is_file() else {}
    with _environment(work):
        csv_files = [str(data / f"{t}.csv") for t in TICKERS]
        _measured(times, "import", lambda: _alphacheck("data", "import", *csv_files))
        from alphacheck.features import load_plugins

        load_plugins([str(PLUGIN)], include_entry_points=False)
        runs = {}
        for name, (scenario, overrides) in _specs().items():
            folder = work / "runs" / name
            overrides = {**overrides, **(SMALL[scenario] if small else {})}
            step = partial(_run, name, scenario, overrides, folder, epochs)
            runs[name] = _measured(times, name, step, folder)
            times_file.write_text(json.dumps(times, indent=1))
        audit_file = work / "audit.json"
        audit_step = partial(_audit, audit_file, SMALL_AUDIT_EPOCHS if small and epochs is None else epochs)
        status = _measured(times, "audit", audit_step, audit_file)["exit_status"]
        times["audit"]["exit_status"] = status
        times_file.write_text(json.dumps(times, indent=1))
        audit = {**json.loads(audit_file.read_text()), "exit_status": status}
        figures = _sibling("case_study_figures").collect(runs, audit, SUMMED_CLAIM)
    figures["values"].update({f"time/{k}": sum(step[k] for step in times.values()) for k in ("wall", "cpu")})
    dates = sorted({step["date"] for step in times.values()})
    figures["values"]["run/dates"] = " to ".join(dict.fromkeys([dates[0], dates[-1]]))
    figures["values"].update(_data_identity(data))
    # Wall time depends on what else the machine runs: the document gives the load beside it.
    figures["values"].update({"time/cores": os.cpu_count(), "time/load": os.getloadavg()[2]})
    return figures


@contextlib.contextmanager
def _environment(work: Path):
    """Our own price cache, offline, without the original's variables (EPOCHS, ...); all restored after."""
    from alphacheck.scenarios.overrides import ENV_FIELDS

    saved = dict(os.environ)
    for name in set(ENV_FIELDS) & set(os.environ):
        print(f"case study: ignoring {name}={os.environ.pop(name)}", file=sys.stderr)
    os.environ.update(ALPHACHECK_HOME=str(work / "home"), ALPHACHECK_OFFLINE="1")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _measured(times: dict, name: str, step, done: Path | None = None):
    """Run ``step``, recording its wall and CPU seconds as ``times[name]``; reuse ``done`` if it was recorded.

    Returns ``step()``'s result; for a reused step, the run folder read back, or for a file
    (the audit's report) what ``times`` recorded with it.
    """
    if done is not None and done.exists() and name in times:
        print(f"case study: {name}: reusing {done}", file=sys.stderr)
        if done.is_dir():
            import alphacheck

            return alphacheck.load_run(done)
        return times[name]
    wall, cpu = time.perf_counter(), _cpu_seconds()
    result = step()
    times[name] = {
        "wall": time.perf_counter() - wall,
        "cpu": _cpu_seconds() - cpu,
        "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
    }
    return result


def _data_identity(data: Path) -> dict:
    """The CSVs' dates (first and last bar over the four files) and one SHA-256 over their bytes.

    Lets a reader check that a rerun reads the same prices as the document did.
    """
    digest, firsts, lasts = hashlib.sha256(), [], []
    for ticker in TICKERS:
        raw = (data / f"{ticker}.csv").read_bytes()
        digest.update(raw)
        rows = [line.split(",", 1)[0] for line in raw.decode().splitlines()[1:] if line.strip()]
        firsts.append(rows[0])
        lasts.append(rows[-1])
    return {"data/first": min(firsts), "data/last": max(lasts), "data/sha256": digest.hexdigest()[:16]}


def _specs() -> dict[str, tuple[str, dict]]:
    """Each run: the shipped scenario and the overrides that make it (the leaks as plugin features)."""
    from alphacheck.scenarios import load_scenario

    add = load_scenario("original_claims").features.add
    # The stress runs keep their windows and drop their synthetic shocks, which the case study does not use.
    return {
        "clean": ("original_claims", {}),
        **{
            leak: ("original_claims", {"features.add": [*add, leak], "features.allow_lookahead": [leak]})
            for leak in LEAKS
        },
        "covid": ("covid_crash_2020", {"stress.shocks": []}),
        "biotech": ("biotech_winter_2022", {"stress.shocks": []}),
    }


def _run(name: str, scenario: str, overrides: dict, folder: Path, epochs: int | None):
    """One run through the Python API: no tracking, no plots or tearsheets."""
    import alphacheck

    print(f"case study: {name}: running {scenario}", file=sys.stderr)
    overrides = {**overrides, **({} if epochs is None else {"training.epochs": epochs})}
    with warnings.catch_warnings(record=True) as caught:
        # Real data and short stress windows warn (small samples, the leaks themselves): shown, not raised.
        warnings.simplefilter("always")
        result = alphacheck.run(
            scenario, overrides=overrides, output_dir=folder, tracking=False, report=False
        )
    for warning in sorted({str(w.message) for w in caught}):
        print(f"case study: {name}: warning: {warning}", file=sys.stderr)
    return result


def _audit(report: Path, epochs: int | None) -> dict:
    """``alphacheck audit`` on original_claims with both leaks, one fold, its JSON report to ``report``."""
    command = [
        "audit", "original_claims", "--plugin", str(PLUGIN), "--add-features", ",".join(LEAKS),
        "--folds", "1", "--quiet", "--output-file", str(report),
    ]
    if epochs is not None:
        command += ["--epochs", str(epochs)]
    print("case study: audit: alphacheck " + " ".join(command[:6]) + " ...", file=sys.stderr)
    return {"exit_status": _alphacheck(*command, check=False)}


def _alphacheck(*args: str, check: bool = True) -> int:
    """The ``alphacheck`` command line, as a user runs it (in this interpreter's environment)."""
    done = subprocess.run([sys.executable, "-m", "alphacheck", *args], cwd=REPO, stdout=subprocess.DEVNULL)
    if check and done.returncode:
        command = " ".join(args[:2])
        raise SystemExit(f"case study: `alphacheck {command}` failed with status {done.returncode}")
    return done.returncode


def _cpu_seconds() -> float:
    """User and system CPU time of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _sibling(name: str):
    """Load ``examples/<name>.py`` by its path (no folder goes on ``sys.path``)."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def write_document(figures: dict, docs: Path) -> Path:
    """Render ``case-study.md`` from the figures, and write its plots and ``figures.json`` next to it."""
    report = _sibling("case_study_figures")
    folder = docs / "case-study"
    folder.mkdir(parents=True, exist_ok=True)
    report.plot_equity(figures["series"]["equity"], folder / "equity.png")
    report.plot_cost_sweep(figures["series"]["cost_sweep"], folder / "cost-sweep.png")
    text = FigureFormatter().vformat(TEMPLATE.read_text(), (), figures["values"])
    (docs / "case-study.md").write_text(text)
    (folder / "figures.json").write_text(json.dumps(figures["values"], indent=1, sort_keys=True) + "\n")
    return docs / "case-study.md"


if __name__ == "__main__":
    sys.exit(main())
