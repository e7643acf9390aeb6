"""Reports: terminal tables and HTML tearsheets (quantstats imported lazily)."""

from alphacheck.report.tables import format_metrics_table

__all__ = ["format_metrics_table"]
