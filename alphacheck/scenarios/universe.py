"""A universe file: one ticker symbol a line, ``#`` starts a comment.

``data.tickers_file: universe.txt`` in a scenario (a path relative to the
working directory, like ``data.directory``) and ``alphacheck data fetch
--tickers-file universe.txt`` read the same format::

    # S&P 500 sector ETFs
    XLK
    XLF   # financials
    BRK-B
"""

from __future__ import annotations

import re
from pathlib import Path

from alphacheck.exceptions import ConfigError

__all__ = ["read_tickers_file"]

# Yahoo spells symbols with letters, digits and . - ^ = (indexes ^GSPC, classes BRK-B, FX EURUSD=X).
_SYMBOL = re.compile(r"^[A-Za-z0-9.\-^=]+$")


def read_tickers_file(path: str | Path) -> list[str]:
    """The symbols of a universe file, upper-cased, in file order.

    Raises
    ------
    ConfigError
        When the file is missing or empty, a line holds something that is not
        one symbol, or a symbol appears twice; naming the file and the line.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(
            f"tickers file {str(path)!r} not found (relative paths start at {Path.cwd()}); "
            "give the path of a text file with one symbol a line"
        ) from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise ConfigError(f"tickers file {str(path)!r} is not a text file: {exc}") from None
    symbols: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        symbol = line.split("#", 1)[0].strip()
        if not symbol:
            continue
        if not _SYMBOL.match(symbol):
            raise ConfigError(
                f"{path}:{number}: {symbol!r} is not one ticker symbol; write one symbol a line "
                "(letters, digits, '.', '-', '^', '='), comments after '#'"
            )
        symbol = symbol.upper()
        if symbol in symbols:
            raise ConfigError(f"{path}:{number}: {symbol} is listed twice (first on line {symbols[symbol]})")
        symbols[symbol] = number
    if not symbols:
        raise ConfigError(f"tickers file {str(path)!r} lists no symbol; write one symbol a line")
    return list(symbols)
