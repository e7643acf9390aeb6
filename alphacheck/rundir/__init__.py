"""The run folder, one owner: its layout, its manifest, and where a run writes it.

- :mod:`~alphacheck.rundir.folder`: the file names, :func:`write_run`,
  :func:`read_run` and :class:`RunResult`, which the pipeline, the report,
  ``compare``, tracking, ``reproduce`` and ``alphacheck.load_run`` share;
- :mod:`~alphacheck.rundir.manifest`: the run id and the SHA-256 of the result
  files, checked by :func:`read_run` so two runs' files never mix;
- :mod:`~alphacheck.rundir.staging`: a run writes into a temporary sibling,
  renamed into place only once it succeeded.
"""

from alphacheck.rundir.folder import (
    CONFIG_FILE,
    INDEX_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    MODELS_DIR,
    PLOTS_DIR,
    PORTFOLIO_FILE,
    PORTFOLIO_WEIGHTS_FILE,
    PREDICTIONS_FILE,
    PROFILE_FILE,
    RETURNS_FILE,
    RUN_OUTPUTS,
    SIGNATURE_ATTR,
    RunResult,
    SUMMARY_FILE,
    TEARSHEETS_DIR,
    comparison_file,
    json_safe,
    model_file,
    portfolio_tearsheet_file,
    read_run,
    read_scenario,
    tearsheet_file,
    write_config,
    write_models,
    write_run,
)
from alphacheck.rundir.manifest import check_manifest, file_digest, new_run_id, write_manifest
from alphacheck.rundir.staging import Staging, check_target, stage

__all__ = [
    "CONFIG_FILE",
    "INDEX_FILE",
    "MANIFEST_FILE",
    "METRICS_FILE",
    "MODELS_DIR",
    "PLOTS_DIR",
    "PORTFOLIO_FILE",
    "PORTFOLIO_WEIGHTS_FILE",
    "PREDICTIONS_FILE",
    "PROFILE_FILE",
    "RETURNS_FILE",
    "RUN_OUTPUTS",
    "SIGNATURE_ATTR",
    "SUMMARY_FILE",
    "TEARSHEETS_DIR",
    "RunResult",
    "Staging",
    "check_manifest",
    "check_target",
    "comparison_file",
    "file_digest",
    "json_safe",
    "model_file",
    "new_run_id",
    "portfolio_tearsheet_file",
    "read_run",
    "read_scenario",
    "stage",
    "tearsheet_file",
    "write_config",
    "write_manifest",
    "write_models",
    "write_run",
]
