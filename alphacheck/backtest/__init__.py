"""Backtest: predictions to positions to costs-aware returns, and their metrics."""

from alphacheck.backtest.evaluate import BASELINES, METRIC_NAMES, RETURN_COLUMNS, Evaluation, evaluate
from alphacheck.backtest.evidence import StrategyRecord, gather_evidence, judge_run
from alphacheck.backtest.metrics import (
    PERIODS_PER_YEAR,
    classification_metrics,
    max_drawdown,
    sharpe_ratio,
    total_return,
    trading_metrics,
)
from alphacheck.backtest.portfolio import PORTFOLIO_BENCHMARKS, backtest_portfolio
from alphacheck.backtest.portfolio_evaluate import PortfolioEvaluation, evaluate_portfolio
from alphacheck.backtest.positions import POLICIES, direction_from_proba, position_weights
from alphacheck.backtest.significance import (
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
)
from alphacheck.backtest.strategies import CostOverride, Decisions, TickerBacktest, decisions, run_backtest
from alphacheck.backtest.trials import Trials, count_trials, deflated_sharpe
from alphacheck.backtest.verdict import LABELS, Evidence, Verdict, decide

__all__ = [
    "BASELINES",
    "LABELS",
    "METRIC_NAMES",
    "PERIODS_PER_YEAR",
    "POLICIES",
    "PORTFOLIO_BENCHMARKS",
    "RETURN_COLUMNS",
    "CostOverride",
    "Decisions",
    "Evaluation",
    "Evidence",
    "PortfolioEvaluation",
    "StrategyRecord",
    "TickerBacktest",
    "Trials",
    "Verdict",
    "backtest_portfolio",
    "classification_metrics",
    "count_trials",
    "decide",
    "decisions",
    "deflated_sharpe",
    "deflated_sharpe_ratio",
    "direction_from_proba",
    "evaluate",
    "evaluate_portfolio",
    "gather_evidence",
    "judge_run",
    "max_drawdown",
    "position_weights",
    "probabilistic_sharpe_ratio",
    "run_backtest",
    "sharpe_ratio",
    "total_return",
    "trading_metrics",
]
