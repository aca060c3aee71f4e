"""Read an input file, bounded: a regular file of at most a known size, never a device or a pipe.

Every reader of files a user names or edits (the ontology's Turtle, rule cards, a batch of
cases) opens them here, so that ``/dev/zero``, a FIFO nobody writes to, a folder named
``x.ttl`` or a file of gigabytes is a short error naming the path instead of a hang or memory
exhaustion. The limits are generous for the data they guard; ``TMRPLAN_MAX_INPUT_MB`` replaces
every one of them (a hospital's very large knowledge base, or a test that wants a small one).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tmrplan.errors import InputFileError

MIB = 1024 * 1024
LIMIT_VARIABLE = "TMRPLAN_MAX_INPUT_MB"
# The largest shipped Turtle file is about 0.25 MB and a synthetic tenfold copy about 1 MB; a
# card is about 1 kB and the ranking card 12 kB; a batch line is one case.
LIMITS = {
    "Turtle file": 64 * MIB,
    "rule card": 1 * MIB,
    "batch line": 1 * MIB,
    "signers file": 1 * MIB,  # a line per reviewer and role, about 150 bytes each
    "approvals ledger": 256 * MIB,  # a signed entry is about 1 kB
}

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_limit(what: str) -> int:
    """The largest ``what`` (a key of :data:`LIMITS`) read, in bytes: ``TMRPLAN_MAX_INPUT_MB``
    MiB when that is set to a positive number, else the kind's own limit.

    Raises:
        InputFileError: if ``TMRPLAN_MAX_INPUT_MB`` is set but not a positive number.

    Example:
        >>> size_limit("rule card") == 1024 * 1024
        True
    """
    configured = os.environ.get(LIMIT_VARIABLE)
    if not configured:
        return LIMITS[what]
    try:
        megabytes = float(configured)
    except ValueError:
        megabytes = 0.0
    if not megabytes > 0 or megabytes > 1e9:  # NaN and inf included
        raise InputFileError(
            f"{LIMIT_VARIABLE} must be a positive number of MiB, not {configured[:20]!r}",
            path=LIMIT_VARIABLE,
        )
    return int(megabytes * MIB)


def kind_of(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file.

    Example:
        >>> kind_of(os.stat("/dev/null").st_mode), kind_of(os.stat(__file__).st_mode)
        ('a character device', None)
    """
    if stat.S_ISREG(mode):
        return None
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


@contextlib.contextmanager
def open_regular_file(path: Path) -> Iterator[BinaryIO]:
    """``path`` opened for reading in binary, if it is a regular file (or a symlink to one).

    Opened without blocking, so a FIFO is refused at once rather than waited on.

    Raises:
        InputFileError: naming the path, if it cannot be opened or is a folder, FIFO, device
            or socket.

    Example:
        >>> with open_regular_file(Path(__file__)) as handle:
        ...     handle.read(3) == b'"' * 3
        True
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    try:
        kind = kind_of(os.fstat(descriptor).st_mode)
        if kind is not None:
            raise InputFileError(f"is {kind}, not a regular file", path=str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        handle = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with handle:
        yield handle


def read_regular_file(path: Path, what: str) -> bytes:
    """The bytes of ``path``, a regular file of at most :func:`size_limit` ``(what)`` bytes.

    Args:
        path: the file.
        what: its kind, a key of :data:`LIMITS` (``"Turtle file"``, ``"rule card"``).

    Raises:
        InputFileError: naming the path, if it is not a regular file, cannot be read, or is
            larger than the limit (the message says how to raise it).

    Example:
        >>> read_regular_file(Path(__file__), "Turtle file")[:3] == b'"' * 3
        True
    """
    limit = size_limit(what)
    with open_regular_file(path) as handle:
        try:
            # One byte more than allowed tells "too large" from "exactly the limit"; a file that
            # grows while it is read is cut there too.
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputFileError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    if len(data) > limit:
        raise InputFileError(too_large(what, limit), path=str(path))
    return data


def too_large(what: str, limit: int) -> str:
    """The message for an input over its limit, with the way to raise the limit.

    Example:
        >>> too_large("rule card", 1024 * 1024)
        'larger than 1 MiB, the limit for a rule card (set TMRPLAN_MAX_INPUT_MB to raise it)'
    """
    size = f"{limit / MIB:g} MiB" if limit >= MIB else f"{limit} bytes"
    return f"larger than {size}, the limit for a {what} (set {LIMIT_VARIABLE} to raise it)"
