"""Reports: terminal tables, run-folder report (plots, summary, index.html), tearsheets.

quantstats and matplotlib are imported lazily, inside the functions that use them.
"""

from alphacheck.report.builder import ReportFiles, build_report
from alphacheck.report.tables import format_metrics_table

__all__ = ["ReportFiles", "build_report", "format_metrics_table"]
