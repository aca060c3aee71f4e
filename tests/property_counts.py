"""Shared by the property-based test files: their hypothesis settings, and how many generated
inputs each property ran."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Reproducible: derandomized, no example database, so one command runs the same inputs each time.
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


class PropertyCounts:
    """Inputs generated per property, printed once in the terminal summary."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.calls: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.outcomes: dict[str, Counter[str]] = {}

    def hit(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def seen(self, name: str, outcome: str, amount: int = 1) -> None:
        """Tally what an input led to, so a property that only ever fails early shows up."""
        self.outcomes.setdefault(name, Counter())[outcome] += amount

    def run(self, name: str, prop: Callable[[], None], at_least: int) -> None:
        """Run a property, time it, and check that it really ran ``at_least`` inputs."""
        start = time.perf_counter()
        prop()
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
        assert self.calls.get(name, 0) >= at_least, f"{name}: only {self.calls.get(name)} inputs"

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.calls:
            return
        terminalreporter.section(f"hypothesis inputs: {self.title}")
        for name, calls in self.calls.items():
            seen = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.get(name, {}).items()))
            terminalreporter.write_line(
                f"{calls:6d}  {name}  ({self.seconds.get(name, 0.0):.1f} s)  {seen}"
            )
        total = sum(self.calls.values())
        terminalreporter.write_line(f"{total:6d}  total ({sum(self.seconds.values()):.1f} s)")


def property_counts(pytestconfig: pytest.Config, key: str, title: str) -> PropertyCounts:
    """The session's counter for one test file, registered once as a pytest plugin so that its
    table prints in the terminal summary."""
    name = f"tmrplan-property-counts-{key}"
    plugin = pytestconfig.pluginmanager.get_plugin(name)
    if plugin is None:
        plugin = PropertyCounts(title)
        pytestconfig.pluginmanager.register(plugin, name)
    assert isinstance(plugin, PropertyCounts)
    return plugin
