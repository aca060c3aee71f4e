"""Atomic file writes: readers, and a process killed mid-write, see the old file or the new one,
never half of one."""

from __future__ import annotations

import os
from pathlib import Path

from tmrplan.errors import OutputError


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` through a temporary file and one rename.

    Raises:
        OutputError: if the file cannot be written (e.g. its folder does not exist).

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "plan.md"
        >>> write_atomically(target, "# plan")
        >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
        ('# plan', ['plan.md'])
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())  # the bytes are on disk before the name points at them
        temporary.replace(path)  # atomic within one filesystem
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {str(path)!r}: {exc.strerror}") from exc
