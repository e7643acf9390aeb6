"""alphacheck: does a market-direction model have a real, tradable edge?

Importing the package is cheap: torch, vectorbt, quantstats and mlflow are
imported only by the modules that adapt them, when a command needs them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
