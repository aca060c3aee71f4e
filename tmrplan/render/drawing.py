"""Figures drawn in worker processes, so that a server's sessions do not queue behind each other.

matplotlib draws one figure at a time per process (``Figure.draw`` takes a class-wide lock) and
holds the GIL while it draws. Drawn inside the Streamlit server, 24 sessions opening option bases
waited up to 45 s for each other's diagrams (``scripts/load.py``, docs/performance.md). Worker
processes draw side by side and leave the server's interpreter free. Only figures made from plain
data (labels and ``ActionLoss`` records, which pickle) are drawn here.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from tmrplan.errors import OutputError
from tmrplan.planning.donor_loss import ActionLoss

WORKER_NICENESS = 10  # added to the server's: below the server, above nothing that matters
DRAW_TIMEOUT_S = 60.0  # a diagram takes ~0.15 s; a minute means a stuck worker, not a slow one

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # "spawn", not fork: forking a threaded server can copy a lock held by another thread
            # into the child, where nothing will ever release it.
            _pool = ProcessPoolExecutor(
                max_workers=os.cpu_count() or 1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return _pool


def _discard(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the workers (waiting for a drawing under way); the next drawing starts new ones."""
    global _pool
    with _lock:
        stopping, _pool = _pool, None
    if stopping is not None:
        stopping.shutdown(wait=True, cancel_futures=True)


def warm_up() -> None:
    """Start the workers and load matplotlib in each (~0.6 s), before the first diagram is asked
    for; the server's start-up calls this in the background."""
    pool = _executor()
    for future in [pool.submit(_load_matplotlib) for _ in range(os.cpu_count() or 1)]:
        future.result(timeout=DRAW_TIMEOUT_S)


def loss_picture(donor: str, target: str, losses: Sequence[ActionLoss], fmt: str) -> bytes:
    """The what-is-lost diagram (``tmrplan.render.figures.loss_figure``) as PNG or SVG bytes.

    Raises:
        OutputError: if no worker could draw it (one retry on a fresh pool if a worker died).
    """
    for attempt in (1, 2):
        pool = _executor()
        try:
            future = pool.submit(_draw_loss, donor, target, tuple(losses), fmt)
            return future.result(timeout=DRAW_TIMEOUT_S)
        except BrokenProcessPool as error:  # a worker was killed (e.g. out of memory)
            _discard(pool)
            if attempt == 2:
                raise OutputError(f"cannot draw the diagram for {donor!r}: {error}") from error
        except TimeoutError as error:
            raise OutputError(
                f"drawing the diagram for {donor!r} took over {DRAW_TIMEOUT_S:.0f} s"
            ) from error
    raise AssertionError("unreachable")  # pragma: no cover


# Run in the workers.


def _start_worker(parent: int) -> None:
    """Yield the processor to the server, and end with it.

    A worker runs at a lower priority: warmed up while a cold server answers its first page, two
    workers importing matplotlib took the two cores from the server and the browser. And it ends
    when the server that started it is gone: a server stopped by a signal (or killed) does not
    shut its pool down, and an idle worker would wait for work forever."""
    os.nice(WORKER_NICENESS)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="tmrplan-parent-watch", daemon=True).start()


def _load_matplotlib() -> None:
    import tmrplan.render.figures  # noqa: F401  (the import is the work)


def _draw_loss(donor: str, target: str, losses: tuple[ActionLoss, ...], fmt: str) -> bytes:
    from tmrplan.render.figures import loss_figure, to_png, to_svg

    figure = loss_figure(donor, target, losses)
    return to_png(figure) if fmt == "png" else to_svg(figure)
