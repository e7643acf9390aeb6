"""Command-line interface: thin click wrappers over :mod:`alphacheck.pipeline`."""

from alphacheck.cli.main import cli

__all__ = ["cli"]
