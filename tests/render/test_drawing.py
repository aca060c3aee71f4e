"""Diagrams drawn in worker processes are the diagrams drawn in process, and survive a dead worker."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tmrplan.model import Case
from tmrplan.planning.donor_loss import ActionLoss, what_is_lost
from tmrplan.planning.planner import Planner
from tmrplan.render import drawing
from tmrplan.render.figures import loss_figure, to_png, to_svg


@pytest.fixture(scope="module")
def losses(planner: Planner) -> tuple[str, str, tuple[ActionLoss, ...]]:
    case = Case(("median nerve",), "transhumeral")
    option = planner.plan(case).nerves[0].options[0]
    kb = planner.kb
    found = what_is_lost(
        planner.index, case, kb.get(option.donor_nerve.id), kb.get(option.target_muscle.id)
    )
    assert found  # a donor muscle always has actions to show
    return option.donor_nerve.label, option.target_muscle.label, tuple(found)


@pytest.fixture(autouse=True, scope="module")
def fresh_pool() -> Iterator[None]:
    yield
    if drawing._pool is not None:  # leave no worker processes behind the tests
        drawing._pool.shutdown(cancel_futures=True)
        drawing._pool = None


def test_a_worker_draws_the_same_bytes_as_this_process(
    losses: tuple[str, str, tuple[ActionLoss, ...]],
) -> None:
    donor, target, actions = losses
    figure = loss_figure(donor, target, actions)
    assert drawing.loss_picture(donor, target, actions, "png") == to_png(figure)
    assert drawing.loss_picture(donor, target, actions, "svg") == to_svg(figure)


def test_a_killed_worker_is_replaced(losses: tuple[str, str, tuple[ActionLoss, ...]]) -> None:
    donor, target, actions = losses
    drawing.warm_up()
    pool = drawing._executor()
    for pid in list(pool._processes):  # as the kernel's out-of-memory killer would
        os.kill(pid, signal.SIGKILL)
    png = drawing.loss_picture(donor, target, actions, "png")
    assert png.startswith(b"\x89PNG") and drawing._executor() is not pool
