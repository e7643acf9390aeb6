"""The stage profile: exclusive time per stage, imports taken out of the stage that made them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from alphacheck import profiling
from alphacheck.profiling import STAGES, Profile, profile_requested, profiled
from alphacheck.rundir import PROFILE_FILE


class FakeClock:
    """A wall clock that moves only when told; the CPU clock moves at half its pace."""

    def __init__(self) -> None:
        self.now = 100.0

    def wall(self) -> float:
        return self.now

    def cpu(self) -> float:
        return self.now / 2

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def recording(clock):
    profile = Profile(["alphacheck", "run"], clock=clock.wall, cpu_clock=clock.cpu).start(startup=False)
    yield profile
    profile.stop()


def test_nested_stages_count_their_own_time_only(recording, clock) -> None:
    clock.tick(1)  # setup, before any stage
    with profiled("backtest"):
        clock.tick(2)
        with profiled("verdict"):
            clock.tick(3)
        clock.tick(4)
    with profiled("backtest"):  # a stage entered twice adds up
        clock.tick(0.5)
    recording.stop()
    data = recording.as_dict()
    assert data["stages"]["setup"] == 1
    assert data["stages"]["backtest"] == 6.5
    assert data["stages"]["verdict"] == 3
    assert data["cpu_stages"]["verdict"] == 1.5
    assert data["total_seconds"] == 10.5 == sum(data["stages"].values())
    assert list(data["stages"]) == list(STAGES)


def test_an_import_inside_a_stage_is_counted_as_imports(recording, clock, monkeypatch) -> None:
    name = "alphacheck_profiling_probe"

    class SlowLoader:
        """A module whose import takes 5 s of the fake clock."""

        def find_spec(self, fullname, path=None, target=None):
            if fullname != name:
                return None
            import importlib.util

            return importlib.util.spec_from_loader(fullname, self)

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            clock.tick(5)

    monkeypatch.setattr(sys, "meta_path", [SlowLoader(), *sys.meta_path])
    monkeypatch.delitem(sys.modules, name, raising=False)
    with profiled("training"):
        clock.tick(2)
        import alphacheck_profiling_probe  # noqa: F401

        clock.tick(1)
    recording.stop()
    data = recording.as_dict()
    assert data["stages"]["training"] == 3
    assert data["stages"]["imports"] == 5
    assert data["imports_by_package"] == {name: 5}


def test_stop_restores_the_import_functions(clock) -> None:
    import builtins
    import importlib

    before = (builtins.__import__, importlib.import_module)
    profile = Profile(clock=clock.wall, cpu_clock=clock.cpu).start(startup=False)
    assert builtins.__import__ is not before[0]
    profile.stop()
    assert (builtins.__import__, importlib.import_module) == before
    assert profiling.active() is None


def test_stage_is_a_no_op_without_a_profile(clock) -> None:
    assert profiling.active() is None
    with profiled("training"):
        clock.tick(1)  # nothing to record, nothing raised


def test_unknown_stage_is_refused(recording) -> None:
    with pytest.raises(ValueError, match="unknown profile stage 'trainin'; the stages are startup, imports"):
        with profiled("trainin"):
            pass


def test_only_one_profile_at_a_time(recording, clock) -> None:
    with pytest.raises(RuntimeError, match="already being recorded"):
        Profile(clock=clock.wall, cpu_clock=clock.cpu).start()


def test_write_and_format(recording, clock, tmp_path) -> None:
    with profiled("tearsheets"):
        clock.tick(3)
    clock.tick(1)
    recording.stop()
    path = recording.write(tmp_path)
    assert path == tmp_path / PROFILE_FILE
    data = json.loads(path.read_text())
    assert data["argv"] == ["alphacheck", "run"]
    assert data["stages"]["tearsheets"] == 3 and data["total_seconds"] == 4
    table = recording.format().splitlines()
    assert table[0].split() == ["stage", "wall", "s", "share", "cpu", "s"]
    assert "tearsheets     3.00  75.0%    1.50" in table
    assert table[-1].startswith("total          4.00 100.0%")


@pytest.mark.parametrize(
    "value, expected",
    [("1", True), ("true", True), (" Yes ", True), ("0", False), ("", False), ("no", False)],
)
def test_profile_requested_by_the_environment(value, expected) -> None:
    assert profile_requested({"ALPHACHECK_PROFILE": value}) is expected
    assert profile_requested({}) is False


def test_process_age_is_positive_on_linux() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("/proc is Linux only")
    assert 0 < profiling.process_age() < 7 * 24 * 3600


def test_a_profiled_run_folder_can_be_overwritten(tmp_path) -> None:
    from alphacheck.rundir import check_target

    (tmp_path / "config.yaml").write_text("name: quick\n")
    (tmp_path / PROFILE_FILE).write_text("{}")
    assert check_target(tmp_path, overwrite=True) is True  # profile.json is a run's own file, not a foreign one


def test_a_process_age_that_cannot_be_read_is_unknown_not_zero(clock, monkeypatch) -> None:
    # Without /proc (macOS, some containers) the command line's startup cannot be measured: 0.0 would
    # claim it cost nothing.
    def unreadable(self, *args, **kwargs):
        raise FileNotFoundError("/proc/self/stat")

    monkeypatch.setattr(profiling.Path, "read_text", unreadable)
    assert profiling.process_age() is None
    profile = Profile(["alphacheck", "run"], clock=clock.wall, cpu_clock=clock.cpu).start(startup=True)
    clock.tick(2)
    profile.stop()
    data = profile.as_dict()
    assert data["stages"]["startup"] is None
    assert data["total_seconds"] == 2 == sum(v for v in data["stages"].values() if v is not None)
    assert profile.format().splitlines()[1].split() == ["startup", "unknown"]


def test_a_readable_process_age_is_the_time_since_the_process_started() -> None:
    # A fresh process asked at once is younger than one that slept first, and both are under a minute old.
    code = (
        "import sys, time; time.sleep(float(sys.argv[1]))\n"
        "from alphacheck.profiling import process_age; print(process_age())"
    )
    ages = [
        float(subprocess.run([sys.executable, "-c", code, pause], capture_output=True, text=True, check=True,
                             timeout=60).stdout)
        for pause in ("0", "1.5")
    ]  # fmt: skip
    assert 0 <= ages[0] < ages[1] < 60 and ages[1] - ages[0] >= 1.0
