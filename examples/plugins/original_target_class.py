"""The original project's leak, as two alphacheck features: kept only to show what a leak does.

The project alphacheck replaces reported 90.2% next-day accuracy. Its feature
matrix held ``target_class``, the next day's direction, built from the same
close-to-close return its label measured: the model was handed the answer.

Both features here read the future on purpose. Neither belongs in a model:
``alphacheck run`` refuses them unless the scenario names them in
``features.allow_lookahead``, and then every verdict of the run is
``leak_suspected``; ``alphacheck audit`` fails on them, naming each and the
first date it reads the future. ``examples/case_study.py`` uses them::

    alphacheck audit original_claims --plugin examples/plugins/original_target_class.py \\
        --add-features target_class,target_class_literal --folds 1

Nothing in the ``alphacheck`` package imports this file.
"""

from __future__ import annotations

import pandas as pd

import alphacheck.features
from alphacheck.features.labels import forward_return

EXECUTION = "next_open"
"""The execution whose label ``target_class`` copies: the ``original_claims`` scenario's.

A feature sees the prices only, not the scenario; run ``target_class`` under
another execution and it no longer equals the label (the case study checks the two agree).
"""


@alphacheck.features.register("target_class", formula="LEAK: direction of the return the label measures")
def target_class(prices: pd.DataFrame) -> pd.Series:
    """A LEAK kept for the demonstration: the label itself, offered to the model as a feature.

    The original's construction carried over to alphacheck's label: 1 where
    the return a position decided at t earns under ``EXECUTION`` (open t+1 to
    open t+2) is positive, else 0. That return is not known until t+2, so the
    value at t reads the future. As in the original, a comparison with the
    unknown last returns gives 0 there rather than a gap.
    """
    return (forward_return(prices, EXECUTION) > 0).astype("float64").rename("target_class")


@alphacheck.features.register("target_class_literal", formula="LEAK: sign of close t -> close t+1")
def target_class_literal(prices: pd.DataFrame) -> pd.Series:
    """A LEAK kept for the demonstration: the original's formula taken literally.

    1 where the close-to-close return from t to t+1 is positive, else 0
    (``close.shift(-1) > close``, the last day 0). The original labelled that
    same return; alphacheck's label is the return a position can earn, from the
    fill after the signal (open t+1 to open t+2), so this copy of tomorrow's
    close overlaps the label only through the day's move from open t+1 to close t+1.
    """
    close = prices["close"]
    return (close.shift(-1) > close).astype("float64").rename("target_class_literal")
