"""Errors that explain themselves, and a guard that prints them bare.

The plugin raises subclasses of :class:`FastSSDUserError` when the user can
act on the message alone (a refused checkpoint, a non-finite loss): the
command-line tools wrap their work in :func:`exit_on_user_errors`, which
prints the message and exits with status 1 instead of a traceback. Code that
calls the plugin from Python still gets the exception.
"""
import sys
from contextlib import contextmanager
from typing import Iterator

__all__ = ['FastSSDUserError', 'exit_on_user_errors']


class FastSSDUserError(Exception):
    """Base of errors whose message says what happened and what to do."""


@contextmanager
def exit_on_user_errors() -> Iterator[None]:
    """Turn a :class:`FastSSDUserError` into ``SystemExit`` with its message.

    Example:
        >>> with exit_on_user_errors():
        ...     build_runner(cfg).train()
    """
    try:
        yield
    except FastSSDUserError as exc:
        print(f'error: {exc}', file=sys.stderr, flush=True)
        raise SystemExit(1) from None
