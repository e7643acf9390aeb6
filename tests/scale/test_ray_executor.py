"""Ray tasks on a local cluster started here give the in-process runner's predictions."""

from __future__ import annotations

import pytest

from alphacheck.scale import RayExecutor, run_walkforward_scaled
from tests.scale.test_executors import _home, _reference, _same, _scenario, datasets  # noqa: F401

ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install 'alphacheck[ray]'")


@pytest.fixture
def local_cluster(tmp_path):
    executor = RayExecutor(workers=2, threads_per_worker=1)
    yield executor
    executor.close()
    assert not ray.is_initialized()


@pytest.mark.slow
def test_ray_tasks_equal_the_runner_and_resume(datasets, local_cluster, tmp_path):  # noqa: F811
    scenario = _scenario(training={"checkpoint": True})
    reference = _reference(datasets, scenario)
    first_folds = list((tmp_path / "home" / "folds").glob("*/fold-0000.pt"))
    for path in first_folds:
        path.unlink()
    seen = {}
    result = run_walkforward_scaled(
        datasets, scenario, "cpu", executor=local_cluster,
        on_fold=lambda variant, fold, record: seen.update({(variant, fold.index): record["resumed"]}),
    )
    assert seen == {(v, f): f != 0 for v in ("baseline", "lightweight") for f in range(3)}
    _same(result, reference)
