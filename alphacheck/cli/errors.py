"""How a command ends: one ``Error: ...`` line and a non-zero exit, never a traceback unless asked.

:func:`run_command` runs the click group in non-standalone mode and turns
every way a command can fail into a short message on stderr:

- alphacheck's own errors (:class:`~alphacheck.exceptions.AlphacheckError`)
  and click's usage errors: their message, exit code 1 (2 for usage);
- Ctrl-C: ``Interrupted``, exit code 130 (128 + SIGINT, as shells report it);
- a file the system refused (``PermissionError``, a full disk): the path and
  the reason;
- anything else is a bug: its type and message, and a hint to re-run with
  ``-v``, which prints the traceback of every failure.

alphacheck's warnings (:class:`~alphacheck.exceptions.AlphacheckWarning`)
are shown as one ``warning: ...`` line each instead of Python's two-line form.
"""

from __future__ import annotations

import contextlib
import errno
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click

from alphacheck.exceptions import AlphacheckError, AlphacheckWarning

__all__ = ["EXIT_INTERRUPTED", "one_line_warnings", "run_command", "wants_traceback"]

#: Exit status of a command stopped with Ctrl-C.
EXIT_INTERRUPTED = 130

_VERBOSE = ("-v", "--verbose")


def wants_traceback(argv: Sequence[str]) -> bool:
    """Whether the command line asks for detail (``-v``/``--verbose`` anywhere before ``--``)."""
    for token in argv:
        if token == "--":
            return False
        if token in _VERBOSE:
            return True
    return False


def run_command(main: Callable[[], Any], verbose: bool) -> int:
    """Call ``main`` (a click ``main`` in non-standalone mode) and return the exit status to use.

    Every failure prints its message on stderr; with ``verbose`` the traceback comes first.
    """
    try:
        result = main()
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return _interrupted(None)
        click.echo("Aborted!", err=True)
        return 1
    except KeyboardInterrupt:
        return _interrupted(None)
    except click.ClickException as exc:
        _traceback(exc.__context__ if verbose and exc.__context__ is not None else None)
        exc.show()
        return exc.exit_code
    except AlphacheckError as exc:
        _traceback(exc if verbose else None)
        if getattr(exc, "exit_code", 1) == EXIT_INTERRUPTED:
            return _interrupted(str(exc))
        _error(str(exc))
        return getattr(exc, "exit_code", 1)
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # the reader went away (`| head`): nothing to say
            return 1
        _traceback(exc if verbose else None)
        _error(describe_os_error(exc))
        return 1
    except Exception as exc:  # a bug: say what, keep the traceback for -v
        _traceback(exc if verbose else None)
        _error(f"unexpected {type(exc).__name__}: {exc}")
        if not verbose:
            click.echo("Hint: this is a bug in alphacheck; run the command again with -v for the traceback "
                       "and report it", err=True)  # fmt: skip
        return 1
    return result if isinstance(result, int) else 0


def describe_os_error(exc: OSError) -> str:
    """``"/x/y: permission denied"``-style text for a refused file operation, with what to do."""
    what = _OS_REASONS.get(exc.errno, exc.strerror or str(exc))
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {what}" if paths else what


# errno -> what it means for the user's path, and the fix.
_OS_REASONS = {
    errno.EACCES: "permission denied; choose a folder you can write, or fix its permissions",
    errno.EPERM: "operation not permitted; choose a folder you can write",
    errno.EEXIST: "a file is in the way where a folder is needed; choose another path",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another path",
    errno.EISDIR: "is a folder, where a file is needed",
    errno.ENOSPC: "no space left on the device; free some space or choose another disk",
    errno.EROFS: "the file system is read-only; choose a writable folder",
    errno.ENOENT: "no such file or folder",
}


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Show alphacheck's warnings as ``warning: message`` lines while the block runs.

    Only the format changes (``warnings.formatwarning``), not who shows them:
    a caller recording warnings (``warnings.catch_warnings(record=True)``,
    ``pytest.warns``, a notebook's handler) still receives them.
    """
    original = warnings.formatwarning

    def one_line(message, category, filename, lineno, line=None):
        if isinstance(category, type) and issubclass(category, AlphacheckWarning):
            return f"warning: {message}\n"
        return original(message, category, filename, lineno, line)

    warnings.formatwarning = one_line
    try:
        yield
    finally:
        warnings.formatwarning = original


def _interrupted(message: str | None) -> int:
    click.echo(f"Interrupted: {message}" if message else "Interrupted.", err=True)
    return EXIT_INTERRUPTED


def _error(message: str) -> None:
    click.echo(f"Error: {message}", err=True)


def _traceback(exc: BaseException | None) -> None:
    if exc is not None:
        traceback.print_exception(exc, file=sys.stderr)
