"""The case study's figures, gathered from its runs, and its plots (``examples/case_study.py`` calls these).

Every value is read from a run's folder (metrics, predictions, returns), from
the audit's JSON report, from the prices in the cache, or recomputed through
alphacheck's own backtest; the keys are the template's field names.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

PAIR = ("AAPL", "MSFT")
VARIANTS = ("baseline", "advanced")
LEAKS = ("target_class", "target_class_literal")
COVID = ("AAPL", "MSFT", "SPY")
# The original's claimed accuracies in its stress windows, and each window's name in our scenarios.
CLAIMED_ACCURACY = {"covid": 0.571, "biotech": 0.529}
WINDOWS = {"covid": "covid_crash", "biotech": "biotech_winter"}
_WHOLE = "whole_window_"


def collect(runs: dict, audit: dict, summed_claim: float) -> dict:
    """``{"values": {field: value}, "series": {...}}`` from the runs and the audit."""
    values: dict[str, object] = {f"up/{t}": share for t, share in _up_shares(runs["clean"]).items()}
    values.update(_setup(runs))
    values.update(_leak(runs, audit))
    values.update(_baseline(runs["clean"], values))
    values.update(_stress(runs["covid"], "covid", COVID))
    values.update(_stress(runs["biotech"], "biotech", ("XBI",)))
    scored = [f"covid/{t}" for t in COVID] + ["biotech/XBI"]
    widths = [values[f"{key}/ci_high"] - values[f"{key}/ci_low"] for key in scored]
    values["stress/ci_width"] = float(np.mean(widths))
    values["biotech/SPY/return"] = _close_to_close("SPY", runs["biotech"], WINDOWS["biotech"])
    costs, sweep = _costs(runs["clean"], summed_claim)
    values.update(costs)
    values.update(_verdicts(runs))
    return {"values": values, "series": {"equity": _equity(runs), "cost_sweep": sweep}}


def _setup(runs: dict) -> dict:
    out = {}
    for name in ("clean", "covid", "biotech"):
        run = runs[name]
        wf, folds = run.scenario.walkforward, run.metrics["folds"]
        out.update({
            f"{name}/epochs": run.scenario.training.epochs,
            f"{name}/patience": run.scenario.training.patience,
            f"{name}/folds": len(folds) // len(run.scenario.variants),
            f"{name}/train_days": wf.train_days,
            f"{name}/test_days": wf.test_days,
            f"{name}/first_test": str(min(f["test_start"] for f in folds)),
            f"{name}/last_test": str(max(f["test_end"] for f in folds)),
            f"{name}/cost": run.metrics["costs_bps_per_side"],
        })
    clean = runs["clean"].scenario
    out.update({
        "clean/start": str(clean.data.start), "clean/end": str(clean.data.end),
        "clean/sequence_length": clean.walkforward.sequence_length,
        "trials/in_run": runs["clean"].metrics["trials"]["in_run"],
        "trials/declared": runs["clean"].metrics["trials"]["declared"],
    })
    out["clean/features"] = len(_feature_columns(runs["clean"]))
    out["clean/n"] = int(runs["clean"].metrics["metrics"][PAIR[0]][VARIANTS[0]]["n_predictions"])
    return out


def _feature_columns(run) -> list[str]:
    from alphacheck.features import resolve_features

    return [feature.name for feature, _ in resolve_features(run.scenario.features)]


def _leak(runs: dict, audit: dict) -> dict:
    """Accuracy with and without each leak, how often each leak equals the label, the audit's findings."""
    out = {}
    for ticker in PAIR:
        for name in ("clean", *LEAKS):
            metrics, verdicts = runs[name].metrics["metrics"][ticker], runs[name].metrics["verdict"][ticker]
            out[f"{name}/{ticker}/buy_and_hold/return"] = metrics["buy_and_hold"]["total_return"]
            for variant in VARIANTS:
                out[f"{name}/{ticker}/{variant}/acc"] = metrics[variant]["accuracy"]
                out[f"{name}/{ticker}/{variant}/return"] = metrics[variant]["total_return"]
                out[f"{name}/{ticker}/{variant}/verdict"] = verdicts[variant]["label"]
    for name in LEAKS:
        verdicts = [v for by in runs[name].metrics["verdict"].values() for v in by.values()]
        out[f"{name}/n_leak"] = sum(v["label"] == "leak_suspected" for v in verdicts)
        out[f"{name}/n"] = len(verdicts)
        out[f"{name}/dsr"] = min(v["evidence"]["deflated_sharpe"] for v in verdicts)
        out[f"{name}/null_min"] = min(v["evidence"]["null_percentile"] for v in verdicts) / 100
        out[f"{name}/agree"] = _agreement(runs[name], name)
    checks = {check["name"]: check for check in audit["checks"]}
    leaking = checks["feature_causality"]["details"]["leaking"]
    alone = checks["target_leakage"]["details"]
    out.update({"audit/exit": audit["exit_status"], "audit/majority": alone["majority_rate"]})
    for name in LEAKS:
        out[f"audit/{name}/date"] = leaking[name]["first_difference"]
        out[f"audit/{name}/ticker"] = leaking[name]["ticker"]
        out[f"audit/{name}/alone"] = alone["features"][name]["accuracy"]
    out["audit/failed"] = ", ".join(c["name"] for c in audit["checks"] if c["verdict"] == "fail")
    return out


def _agreement(run, leak: str) -> float:
    """Share of the test days (both tickers) on which the leaky feature, recomputed, equals the label."""
    from alphacheck.data import load_prices
    from alphacheck.features import get_feature

    prices = load_prices(run.scenario.data)
    rows = run.predictions[run.predictions["variant"] == VARIANTS[0]]
    same = []
    for ticker, own in rows.groupby("ticker"):
        feature = get_feature(leak).compute(prices[str(ticker)])[leak]
        same.append(feature.reindex(pd.DatetimeIndex(own["date"])).to_numpy() == own["label"].to_numpy())
    return float(np.concatenate(same).mean())


def _up_shares(run) -> dict[str, float]:
    """Per ticker, the share of test days whose label is up (read from the predictions)."""
    rows = run.predictions[run.predictions["variant"] == VARIANTS[0]]
    return {ticker: float(rows.loc[rows["ticker"] == ticker, "label"].mean()) for ticker in PAIR}


def _baseline(run, values: dict) -> dict:
    """The constant predictor's accuracy, and each variant against it: Wilson interval, binomial test."""
    from alphacheck.backtest.verdict import DEFLATED_SHARPE_MIN, NULL_QUANTILE, SPA_P_MAX

    out, significant = {"gate/dsr": DEFLATED_SHARPE_MIN, "gate/spa": SPA_P_MAX, "gate/null": NULL_QUANTILE}, 0
    for ticker in PAIR:
        metrics = run.metrics["metrics"][ticker]
        out[f"clean/{ticker}/always_long/acc"] = metrics["always_long"]["accuracy"]
        for variant in VARIANTS:
            record = metrics[variant]
            out.update({
                f"clean/{ticker}/{variant}/ci_low": record["accuracy_ci_low"],
                f"clean/{ticker}/{variant}/ci_high": record["accuracy_ci_high"],
                f"clean/{ticker}/{variant}/p": record["binomial_p_value"],
                f"clean/{ticker}/{variant}/gain": record["accuracy"] - metrics["always_long"]["accuracy"],
            })
            significant += record["binomial_p_value"] < 0.05
    keys = [f"clean/{t}/{v}" for t in PAIR for v in VARIANTS]
    out["baseline/significant"] = significant
    out["baseline/n"] = len(keys)
    out["baseline/contains"] = sum(
        out[f"{key}/ci_low"] <= values[f"up/{key.split('/')[1]}"] <= out[f"{key}/ci_high"] for key in keys
    )
    out["clean/ci_half"] = float(np.mean([(out[f"{k}/ci_high"] - out[f"{k}/ci_low"]) / 2 for k in keys]))
    return out


def _stress(run, name: str, tickers: tuple[str, ...]) -> dict:
    """The window's whole-window walk-forward figures for the baseline and buy-and-hold on the same days."""
    window = run.metrics["stress"][WINDOWS[name]]
    out = {}
    for ticker in tickers:
        model, hold = window[ticker]["baseline"], window[ticker]["buy_and_hold"]
        # Every walk-forward prediction inside the window, whichever fold made it.
        whole = {k.removeprefix(_WHOLE): v for k, v in model.items() if k.startswith(_WHOLE)}
        out.update({
            f"{name}/first": whole["first_date"], f"{name}/last": whole["last_date"],
            f"{name}/window_folds": whole["folds"],
            f"{name}/{ticker}/acc": whole["accuracy"], f"{name}/{ticker}/n": whole["n_predictions"],
            f"{name}/{ticker}/ci_low": whole["accuracy_ci_low"],
            f"{name}/{ticker}/ci_high": whole["accuracy_ci_high"],
            f"{name}/{ticker}/return": whole["total_return"], f"{name}/{ticker}/costs": whole["costs_paid"],
            f"{name}/{ticker}/bh_return": hold["whole_window_total_return"],
        })
    first_fold = str(out[f"{name}/window_folds"]).split(",")[0].strip()
    fold = next(f for f in run.metrics["folds"] if str(f["index"]) == first_fold)
    out.update({f"{name}/fit_start": fold["fit_start"], f"{name}/val_end": fold["val_end"]})
    claim = CLAIMED_ACCURACY[name]
    inside = [out[f"{name}/{t}/ci_low"] <= claim <= out[f"{name}/{t}/ci_high"] for t in tickers]
    out.update({f"{name}/claim_inside": sum(inside), f"{name}/tickers": len(tickers)})
    out.update(_always_wrong(run, name, tickers))
    return out


def _always_wrong(run, name: str, tickers: tuple[str, ...]) -> dict:
    """What a long-or-flat strategy wrong on every day of the window loses: long exactly on the down days.

    Read from buy-and-hold's daily returns on the window's bars (the bars the
    run's positions earn), before costs; compounded, and summed.
    """
    window = next(w for w in run.scenario.stress.windows if w.name == WINDOWS[name])
    returns = run.returns[run.returns["variant"] == "buy_and_hold"]
    inside = returns["date"].between(pd.Timestamp(window.start), pd.Timestamp(window.end))
    out = {}
    for ticker in tickers:
        down = returns.loc[inside & (returns["ticker"] == ticker), "net_return"].clip(upper=0)
        out[f"{name}/{ticker}/always_wrong"] = float(np.prod(1 + down) - 1)
        out[f"{name}/{ticker}/always_wrong_summed"] = float(down.sum())
    return out


def _close_to_close(ticker: str, run, window_name: str) -> float:
    """A ticker's adjusted close-to-close return over a window of ``run``, from the close before it."""
    from alphacheck.data import load_prices

    window = next(w for w in run.scenario.stress.windows if w.name == window_name)
    data = run.scenario.data.model_copy(update={"tickers": [ticker]})
    close = load_prices(data)[ticker]["close"]
    before = close[close.index < pd.Timestamp(window.start)].iloc[-1]
    return float(close[close.index <= pd.Timestamp(window.end)].iloc[-1] / before - 1)


def _costs(run, summed_claim: float) -> tuple[dict, dict]:
    """The cost sweep, break-even costs, and the cost at which summed returns reach the original's -161%."""
    from alphacheck.backtest import PERIODS_PER_YEAR
    from alphacheck.data import load_prices

    prices = load_prices(run.scenario.data)
    cost = run.metrics["costs_bps_per_side"] / 1e4
    out = {"costs/levels": ", ".join(f"{c:g}" for c in run.scenario.backtest.cost_levels_bps)}
    sweep = {"cost_bps": run.metrics["costs_bps_per_side"], "curves": {}, "buy_and_hold": {}}
    for ticker in PAIR:
        sweep["buy_and_hold"][ticker] = run.metrics["metrics"][ticker]["buy_and_hold"]["total_return"]
        for variant in VARIANTS:
            key, record = f"costs/{ticker}/{variant}", run.metrics["metrics"][ticker][variant]
            curve = run.metrics["cost_sweep"][ticker][variant]
            sweep["curves"][f"{variant} on {ticker}"] = (curve["cost_bps_per_side"], curve["total_return"])
            even = run.metrics["significance"][ticker]["break_even_cost"][variant]["zero_sharpe"]
            rows = run.returns.query("ticker == @ticker and variant == @variant")
            # With the same gross returns, the equity it would have to trade for its summed net return
            # to reach the claim at the scenario's cost, per year like `turnover`.
            traded = (rows["gross_return"].sum() - summed_claim) / cost
            out.update({
                f"{key}/break_even": _break_even_text(even),
                f"{key}/turnover": record["turnover"], f"{key}/trades": record["n_trades"],
                f"{key}/compounded": record["total_return"], f"{key}/summed": rows["net_return"].sum(),
                f"{key}/turnover_needed": traded / record["n_bars"] * PERIODS_PER_YEAR,
            })
            known = (cost, rows["net_return"].sum())
            found = _cost_for_summed(run, prices[ticker], ticker, variant, summed_claim, known)
            out.update({f"{key}/{name}": value for name, value in found.items()})
    n_bars = int(run.metrics["metrics"][PAIR[0]][VARIANTS[0]]["n_bars"])
    # A long-or-flat position changes at most once a day: one side, the whole equity, per bar.
    out.update({
        "costs/n_bars": n_bars, "costs/max_summed": n_bars * cost, "costs/max_turnover": PERIODS_PER_YEAR,
    })
    return out, sweep


def _break_even_text(even: dict) -> str:
    """``"73 bps"``; ``"at least 100 bps"`` when the Sharpe ratio is still above zero at the sweep's top."""
    return ("at least " if even["status"] == "above_sweep" else "") + f"{even['bps']:.0f} bps"


def _cost_for_summed(run, prices: pd.DataFrame, ticker: str, variant: str, target: float, known) -> dict:
    """The cost per side at which the strategy's summed net return is ``target``, found by the secant method.

    Each step trades the strategy through alphacheck's backtest at a trial
    cost (fees, no slippage); ``known`` is one (cost, summed return) pair to
    start from. Returns the cost in bps and, at it, the summed and the
    compounded return; NaN when no cost below 100% per side gets there.
    """
    from alphacheck.backtest import CostOverride, run_backtest

    rows = run.predictions.query("ticker == @ticker and variant == @variant")

    def at(cost: float) -> tuple[float, float]:
        backtest = run_backtest(
            rows, {ticker: prices}, run.scenario.backtest, CostOverride(fees_bps=cost * 1e4, slippage_bps=0),
            baselines=False, cost_sweep=False,
        )[ticker]
        return float(backtest.sim.net_return[variant].sum()), float(backtest.score(variant)["total_return"])

    (c0, s0), c1 = known, 2 * known[0]
    s1, compounded = at(c1)
    for _ in range(8):
        if abs(s1 - target) < 1e-4 or s1 == s0:
            break
        c0, s0, c1 = c1, s1, c1 + (target - s1) * (c1 - c0) / (s1 - s0)
        if not 0 < c1 < 1:
            break
        s1, compounded = at(c1)
    if not (0 < c1 < 1 and abs(s1 - target) < 1e-3):
        return {"needed": math.nan, "at_needed/summed": math.nan, "at_needed/compounded": math.nan}
    return {"needed": c1 * 1e4, "at_needed/summed": s1, "at_needed/compounded": compounded}


def _verdicts(runs: dict) -> dict:
    """Each verdict of the runs without a leak, with the evidence it rests on."""
    out = {}
    for name in ("clean", "covid", "biotech"):
        for ticker, by in runs[name].metrics["verdict"].items():
            for variant, verdict in by.items():
                key, evidence = f"verdict/{name}/{ticker}/{variant}", verdict["evidence"]
                out.update({
                    f"{key}/label": verdict["label"], f"{key}/sharpe": evidence["sharpe"],
                    f"{key}/bh_sharpe": evidence["benchmark_sharpe"],
                    f"{key}/dsr": evidence["deflated_sharpe"],
                    f"{key}/kind": evidence["deflated_kind"].upper(),
                    f"{key}/trials": evidence["trials"], f"{key}/spa": evidence["spa_p_value"],
                    f"{key}/null": evidence["null_percentile"] / 100, f"{key}/draws": evidence["null_draws"],
                    f"{key}/break_even": evidence["break_even_bps"],
                })
    return out


def _equity(runs: dict) -> dict:
    """Compounded equity of the advanced variant with each leak and without, and buy-and-hold, per ticker."""
    curves = {"cost_bps": runs["clean"].metrics["costs_bps_per_side"], "tickers": {}}
    for ticker in PAIR:
        lines = {}
        for name in (*LEAKS, "clean"):
            rows = runs[name].returns.query("ticker == @ticker and variant == 'advanced'")
            label = "no plugin" if name == "clean" else f"+ {name}"
            lines[f"advanced, {label}"] = (rows["date"], (1 + rows["net_return"]).cumprod())
        hold = runs["clean"].returns.query("ticker == @ticker and variant == 'buy_and_hold'")
        lines["buy-and-hold"] = (hold["date"], (1 + hold["net_return"]).cumprod())
        curves["tickers"][ticker] = lines
    return curves


def plot_equity(curves: dict, path: Path) -> None:
    """Equity curves (log scale), one panel per ticker."""
    plt = _pyplot()
    import matplotlib.dates as mdates

    with plt.style.context("default"):
        fig, axes = plt.subplots(1, len(curves["tickers"]), figsize=(11, 4), sharey=True)
        for ax, (ticker, lines) in zip(np.atleast_1d(axes), curves["tickers"].items(), strict=True):
            for label, (dates, equity) in lines.items():
                style = "--" if label == "buy-and-hold" else "-"
                ax.plot(pd.to_datetime(dates), equity, label=label, lw=1.2, ls=style)
            ax.set(yscale="log", title=ticker)
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            ax.grid(alpha=0.3)
        first = np.atleast_1d(axes)[0]
        first.set_ylabel("equity, start = 1 (log scale)")
        first.legend(fontsize=8)
        fig.suptitle(f"original_claims, out of sample, compounded after {curves['cost_bps']:g} bps per side")
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)


def plot_cost_sweep(sweep: dict, path: Path) -> None:
    """Total return at each cost per side, for each strategy, beside buy-and-hold and the -100% floor."""
    plt = _pyplot()
    with plt.style.context("default"):
        fig, ax = plt.subplots(figsize=(7.5, 4.5))
        colours = {}
        for label, (levels, total) in sweep["curves"].items():
            (line,) = ax.plot(levels, np.asarray(total) * 100, marker="o", label=label)
            colours.setdefault(label.split(" on ")[1], line.get_color())
        for ticker, total in sweep["buy_and_hold"].items():
            colour = colours.get(ticker, "grey")
            ax.axhline(total * 100, ls="--", lw=1, color=colour, label=f"buy-and-hold {ticker}")
        charged = f"the scenario's {sweep['cost_bps']:g} bps"
        ax.axvline(sweep["cost_bps"], color="grey", lw=1, ls="-.", label=charged)
        ax.axhline(-100, color="black", lw=1, ls=":", label="-100%: compounded returns cannot go lower")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(xlabel="cost per side, bps", ylabel="total return over the test period, %",
               title="original_claims: the cost sweep (compounded)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
