"""Atomic file writes: readers, and a process killed mid-write, see the old file or the new one,
never half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from tmrplan.errors import OutputError
from tmrplan.files import kind_of

# What fsync on a folder raises where the filesystem or platform cannot do it at all (some
# network and FUSE filesystems, a folder we may write but not read): nothing to be had there.
_CANNOT_SYNC_FOLDERS = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF, errno.EACCES}


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` through a temporary file and one rename.

    The temporary file is created beside ``path`` under a fresh name, ``.NAME.XXXXXXXX.tmp``
    (exclusively: never an existing file, never through a symlink), so threads and processes
    writing one file at once each write their own and the last rename wins whole. It is
    removed on any failure or interruption; only a writer killed outright leaves its
    ``.NAME.*.tmp`` beside the target (nothing here removes such leftovers: the name could be
    another writer's file in mid-write).

    The new file keeps an existing file's permission bits (and its group, where the writer
    belongs to it); a new file gets the ones ``open()`` would give it, 0666 less the umask.
    Not mkstemp's 0600: the first approval creates ``approvals.jsonl`` in the rules folder, and
    every command and the app load it with the rules, under whatever account runs them. An
    export is private where the umask or its folder makes it so, like any other file there.

    Raises:
        OutputError: if the file cannot be written (e.g. its folder does not exist), or was
            written but its folder could not be synced to disk (an I/O error: the new name may
            not survive a power cut).

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "plan.md"
        >>> write_atomically(target, "# plan")
        >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
        ('# plan', ['plan.md'])
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent
    _refuse_special(path)
    try:
        descriptor, name = tempfile.mkstemp(
            dir=folder, prefix=f".{_short_name(path.name, folder)}.", suffix=".tmp"
        )
    except OSError as exc:
        raise OutputError(f"cannot write {str(path)!r}: {exc.strerror}") from exc
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _take_permissions(handle.fileno(), path)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())  # the bytes are on disk before the name points at them
        os.replace(temporary, path)  # atomic within one filesystem
    except BaseException as exc:  # an error, or KeyboardInterrupt and the like: no litter
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {str(path)!r}: {exc.strerror}") from exc
        raise
    _sync_folder(path, folder)


def _refuse_special(path: Path) -> None:
    """Refuse to replace what is not a regular file: a rename would put a file where a device,
    a FIFO or a socket was (as root, ``--output /dev/null`` would replace the system's), also
    through a symlink to one."""
    try:
        mode = os.stat(path).st_mode  # through a symlink: what writing to it would reach
    except OSError:
        return  # nothing there (or a dangling link): a new file
    if stat.S_ISREG(mode):
        return
    kind = kind_of(mode)
    raise OutputError(f"cannot write {str(path)!r}: it is {kind}, not a regular file to replace")


def _short_name(name: str, folder: Path) -> str:
    """``name`` as the temporary file's name holds it: whole when ``.NAME.XXXXXXXX.tmp`` fits
    the folder's longest file name, else cut (a legal 255-byte name would not fit)."""
    try:
        longest = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    room = max(longest - len(".") - len(".XXXXXXXX.tmp"), 1)
    encoded = os.fsencode(name)
    if len(encoded) <= room:
        return name
    return encoded[:room].decode("utf-8", "ignore")  # a character cut in two is left out


def _take_permissions(descriptor: int, path: Path) -> None:
    """Give the open temporary file the mode (and group) of ``path`` if it exists, else the mode
    a plain ``open()`` would create it with (mkstemp's 0600 would otherwise stick)."""
    try:
        current = os.stat(path)  # through a symlink: the mode of the file that was read
    except FileNotFoundError:
        os.fchmod(descriptor, 0o666 & ~_umask())
        return
    if current.st_gid != os.fstat(descriptor).st_gid:
        # Possible only for a group the writer belongs to; otherwise the writer's own group.
        with contextlib.suppress(PermissionError):
            os.fchown(descriptor, -1, current.st_gid)
    os.fchmod(descriptor, stat.S_IMODE(current.st_mode))


def _umask() -> int:
    """The process's umask, read without changing it where the system says (Linux)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", errors="replace") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    # Elsewhere, set and restore it. While it is set, a file another thread creates gets 077:
    # for a moment, private to its owner rather than shared as the umask says.
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _sync_folder(path: Path, folder: Path) -> None:
    """fsync the folder, so that the rename itself survives a power cut, not only the bytes."""
    try:
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
    except OSError as exc:
        # Where folders cannot be synced at all there is no stronger guarantee to be had: the
        # file is whole and in place, as durable as that filesystem makes any rename.
        if exc.errno in _CANNOT_SYNC_FOLDERS:
            return
        # An I/O error, though, means the new name may not be on disk: say so.
        raise OutputError(
            f"cannot write {str(path)!r}: written, but its folder could not be synced to disk "
            f"({exc.strerror})"
        ) from exc
