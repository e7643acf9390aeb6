"""What every figure of a report means: one definition per name that ``metrics.json`` uses.

The report's glossary section (:func:`glossary_html`) defines the names its
tables show, so every column header can be looked up. A name built from
another by a documented rule (``whole_window_sharpe``, ``sharpe_change``)
takes the base name's definition with the rule's words (:func:`define`).
Where quantstats' tearsheet shows a figure of the same name with another
definition, the entry says how they differ (:data:`TEARSHEET_DIFFERENCES`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

__all__ = ["GLOSSARY", "TEARSHEET_DIFFERENCES", "define", "glossary_html", "undefined_names"]

_CLASSIFICATION = {
    "accuracy": "share of decision dates whose call (up when P(up) > threshold) matched the label, the "
    "direction of the return the position earns",
    "accuracy_ci_low": "lower end of the Wilson 95% interval of the accuracy",
    "accuracy_ci_high": "upper end of the Wilson 95% interval of the accuracy",
    "precision": "of the days called up, the share that went up",
    "recall": "of the days that went up, the share called up",
    "f1": "harmonic mean of precision and recall",
    "balanced_accuracy": "mean of the hit rates on up days and on down days (0.5 for a constant call)",
    "share_up": "share of days called up (100% or 0%: a constant predictor)",
    "tp": "days called up that went up (true positives)",
    "fp": "days called up that went down (false positives)",
    "fn": "days called down that went up (false negatives)",
    "tn": "days called down that went down (true negatives)",
    "roc_auc": "probability that a random up day gets a higher P(up) than a random down day "
    "(0.5: no ranking)",
    "log_loss": "mean negative log-likelihood of the labels under P(up) (0.693 for a coin flip)",
    "brier": "mean squared error of P(up) against the label; a constant forecast of the up rate u scores "
    "u(1-u)",
    "majority_rate": "share of the more frequent label over the same dates: what always calling it scores",
    "binomial_p_value": "one-sided binomial test of the accuracy against the majority rate",
    "n_predictions": "decision dates scored (days with a prediction)",
}
_TRADING = {
    "total_return": "compounded return after costs over the bars scored: prod(1 + r) - 1",
    "cagr": "compound annual growth rate, (1 + total_return) ** (252 / bars) - 1",
    "volatility": "standard deviation of the bar returns times sqrt(252)",
    "sharpe": "annualised Sharpe ratio after costs: mean / standard deviation of the bar returns times "
    "sqrt(252), risk-free rate 0",
    "sharpe_ci_low": "lower end of the 95% stationary-bootstrap interval of the Sharpe ratio",
    "sharpe_ci_high": "upper end of the 95% stationary-bootstrap interval of the Sharpe ratio",
    "sortino": "mean bar return over the downside deviation sqrt(mean(min(r, 0)^2)), annualised",
    "calmar": "CAGR over the size of the maximum drawdown",
    "max_drawdown": "largest fall of compounded equity from a running peak (negative)",
    "max_drawdown_bars": "longest time under water, in bars (trading days): the bars from the first bar "
    "below the running peak to the last, in the longest such spell",
    "max_drawdown_calendar_days": "longest time under water in calendar days, first to last bar below "
    "the running peak, inclusive",
    "max_drawdown_days": "older runs' name of max_drawdown_bars: counted in bars, not calendar days",
    "win_rate": "share of closed trades with a positive PnL (per trade; the daily figure is hit_rate)",
    "hit_rate": "share of the bars with a position whose return was positive (per day)",
    "profit_factor": "gross profit over gross loss of the closed trades (per trade)",
    "avg_win_loss": "mean winning trade over mean losing trade (per trade)",
    "n_trades": "closed trades (a position opened and closed, or closed at the end)",
    "turnover": "value traded over equity, summed over the bars and annualised",
    "exposure": "share of bars with a position held at the close",
    "costs_paid": "fees plus slippage paid, in cash, over the starting equity",
    "n_bars": "bars (trading days) whose returns were scored",
    "excess_return_vs_buy_and_hold": "total_return minus buy-and-hold's over the same bars",
    "excess_return_vs_equal_weight": "total_return minus equal_weight's over the same bars",
    "psr": "probabilistic Sharpe ratio: probability that the true Sharpe ratio is above 0, given the "
    "estimate, the bars and the returns' skew and kurtosis",
    "dsr": "deflated Sharpe ratio: the PSR against the best Sharpe ratio that the counted trials would show "
    "by luck",
    "warning": "why a figure should be read with care (fewer than 100 predictions: read the interval)",
}
_PORTFOLIO = {
    "average_positions": "mean number of tickers held at a close",
    "average_gross_exposure": "mean over the bars of the sum of absolute weights held at the close",
    "max_weight": "largest absolute weight of one ticker held at a close",
    "herfindahl": "mean over invested bars of the sum of squared shares of the gross exposure (1: one "
    "ticker; 1/n: n equal positions)",
    "gross_exposure": "sum of absolute weights held at the close",
    "n_positions": "tickers held at the close",
}
_RUN = {
    "index": "the fold's number, in test-date order",
    "variant": "the model variant (a registry name)",
    "fit_start": "first date of the rows the model and scaler are fitted on",
    "fit_end": "last date of the fitting rows",
    "val_start": "first date of the validation tail (early stopping and calibration)",
    "val_end": "last date of the validation tail",
    "test_start": "first out-of-sample decision date of the fold",
    "test_end": "last out-of-sample decision date of the fold",
    "n_fit": "sequences the model was fitted on",
    "n_val": "sequences of the validation tail",
    "n_test": "out-of-sample sequences predicted",
    "epochs_run": "epochs trained before early stopping or the epoch limit",
    "best_epoch": "the epoch whose weights were kept (lowest validation loss)",
    "best_val_loss": "lowest validation loss (binary cross-entropy with pos_weight)",
    "seconds": "wall-clock seconds the fold took to train",
    "device": "where the fold was trained",
    "calibration": "the calibration method of P(up) (platt, isotonic or none)",
    "calibration_slope": "Platt slope on logit(P_raw), kept >= 0 (0: the fold predicts its tail's up rate)",
    "calibration_intercept": "Platt intercept",
    "calibration_note": "why a fold was calibrated differently (a short tail, a reversed ranking)",
    "val_up_rate": "share of up labels in the validation tail",
    "resumed": "the fold was read from a fold checkpoint instead of trained in this run",
    "fold_stack": "folds trained together as one stacked model (fold_concurrency batched)",
}
_SECTIONS = {
    "window_start": "first day of the stress window as declared",
    "window_end": "last day of the stress window as declared",
    "first_date": "first bar scored",
    "last_date": "last bar scored",
    "folds": "the folds whose predictions were scored",
    "note": "why a row reads differently (a stub fold, a window scored over part of its days)",
    "accuracy_ci": "Wilson 95% interval of the accuracy: accuracy_ci_low..accuracy_ci_high",
    "sharpe_ci": "95% stationary-bootstrap interval of the Sharpe ratio: sharpe_ci_low..sharpe_ci_high",
    "dates": "first_date..last_date: the bars scored",
    "test_dates": "first..last out-of-sample decision date of the fold",
    "time_in_market": "the tearsheet's Time in Market: share of bars with a non-zero return, rounded up to "
    "the next percent (quantstats)",
    "daily_profit_factor": "the tearsheet's Profit Factor: sum of the positive bar returns over the size of "
    "the sum of the negative ones (quantstats)",
    "cost_bps_per_side": "fees plus slippage per side of this cost level, in basis points",
    "costs_bps": "fees plus slippage per side of this cost level, in basis points",
    "bps": "a cost per side in basis points (break-even: where the Sharpe ratio falls to the target)",
    "status": "how the break-even cost was found: within the sweep, above it, or below its first level",
    "spa_p_lower": "Hansen's SPA test p-value, lower bound (strategies against buy-and-hold)",
    "spa_p_consistent": "Hansen's SPA test p-value, consistent version (the one the verdict uses)",
    "spa_p_upper": "Hansen's SPA test p-value, upper bound (White's reality check)",
    "draws": "random draws or circular shifts behind the figure",
    "null_draws_requested": "circular shifts asked for (backtest.null_draws)",
    "seed": "seed of the draws",
    "min_shift_days": "smallest circular shift of the positions, in decision dates",
    "max_shift_days": "largest circular shift of the positions, in decision dates",
    "percentile": "share of the matched null's draws whose Sharpe ratio is strictly below the strategy's, "
    "in percent",
    "beats_null": "1 when the strategy beats at least 95% of the null's draws, else 0",
    "p_value": "(1 + null draws with a Sharpe ratio at or above the strategy's) / (1 + draws)",
    "null_sharpe_p95": "95th percentile of the matched null's Sharpe ratios",
    "null_sharpe_mean": "mean Sharpe ratio of the matched null's draws",
    "null_sharpe_std": "standard deviation of the matched null's Sharpe ratios",
    "null_turnover_mean": "mean turnover of the matched null's draws",
    "null_exposure_mean": "mean exposure of the matched null's draws",
    "counted": "trials counted for the deflated Sharpe ratio (in this run plus declared)",
    "in_run": "strategies this run reports (each variant on each ticker, and the books)",
    "declared": "trials declared as tried before the run (backtest.trials)",
    "figure": "psr with one trial, dsr with more",
    "sharpe_variance_per_period": "variance of the trials' per-bar Sharpe ratios used by the DSR",
    "mean": "mean over the random predictor's draws",
    "std": "standard deviation over the draws",
    "p05": "5th percentile over the draws",
    "p95": "95th percentile over the draws",
    "value": "the figure itself",
    "verdict": "pass, warn or fail",
    "summary": "what the check found, in one line",
    "bin": "equal-count bin of predicted P(up)",
    "proba_low": "lowest P(up) in the bin",
    "proba_high": "highest P(up) in the bin",
    "mean_proba": "mean predicted P(up) in the bin",
    "up_rate": "share of the bin's days that went up",
    "up_rate_ci_low": "lower end of the Wilson 95% interval of the up rate",
    "up_rate_ci_high": "upper end of the Wilson 95% interval of the up rate",
    "n": "days (predictions) counted",
}

#: Name -> definition of every figure ``metrics.json`` holds.
GLOSSARY: dict[str, str] = {**_CLASSIFICATION, **_TRADING, **_PORTFOLIO, **_RUN, **_SECTIONS}

#: Derived names: (prefix or suffix, how the words change the base definition).
_PREFIXES = {"whole_window_": "over the whole stress window, every walk-forward prediction inside it: "}
_SUFFIXES = {"_change": "change from the unshocked run of: "}

#: alphacheck's name -> (the tearsheet's name, how the two differ).
TEARSHEET_DIFFERENCES: dict[str, tuple[str, str]] = {
    "exposure": (
        "Time in Market",
        "alphacheck counts the bars with a position held at the close; quantstats counts the bars with a "
        "non-zero return, which includes the entry and exit bars of every trade (and rounds up to the "
        "next percent)",
    ),
    "max_drawdown_bars": (
        "Longest DD Days",
        "alphacheck counts trading bars; quantstats counts calendar days (weekends and holidays included), "
        "which max_drawdown_calendar_days gives",
    ),
    "profit_factor": (
        "Profit Factor",
        "alphacheck divides the profits of the winning closed trades by the losses of the losing ones; "
        "quantstats divides the sum of the positive daily returns by the sum of the negative ones",
    ),
}


def define(name: str) -> str | None:
    """The definition of ``name``, derived names included; ``None`` when unknown."""
    if name in GLOSSARY:
        return GLOSSARY[name]
    for prefix, words in _PREFIXES.items():
        base = define(name.removeprefix(prefix)) if name.startswith(prefix) else None
        if base is not None:
            return words + base
    for suffix, words in _SUFFIXES.items():
        base = define(name.removesuffix(suffix)) if name.endswith(suffix) else None
        if base is not None:
            return words + base
    return None


def undefined_names(names: Iterable[str]) -> list[str]:
    """The names among ``names`` that the glossary does not define, sorted."""
    return sorted({name for name in names if define(name) is None})


def glossary_html(names: Iterable[str]) -> str:
    """A ``<section id="glossary">``: each of ``names`` with its definition, anchors ``g-<name>``.

    A name with a quantstats counterpart says how the tearsheet's figure differs.
    """
    rows = []
    for name in sorted(set(names)):
        definition = define(name)
        if definition is None:
            continue
        text = html.escape(definition)
        if name in TEARSHEET_DIFFERENCES:
            theirs, how = TEARSHEET_DIFFERENCES[name]
            text += f" <em>Not the tearsheet's &ldquo;{html.escape(theirs)}&rdquo;: {html.escape(how)}.</em>"
        rows.append(f'<dt id="g-{html.escape(name)}"><code>{html.escape(name)}</code></dt><dd>{text}</dd>')
    return (
        '<section id="glossary"><h2>Glossary</h2><p>Every figure the tables above show. Returns are '
        "compounded, after costs, 252 bars a year.</p><dl>" + "".join(rows) + "</dl></section>"
    )
