"""Shared fixtures: the shipped knowledge base and planner, a tiny knowledge base built in a
temporary directory, the `system` tier, and the property tests' settings and input counts."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.statistics import collector, describe_statistics

from tmrplan import paths
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.planning.planner import Planner
from tmrplan.rules.cards import load_rulebook

# The suite's last check: no process a test started outlives the run.
pytest_plugins = ["tests.leftover_processes"]

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEM = Path(__file__).parent / "system"
# The framework every fixture ontology shares with the shipped one: vocabulary, shapes, checks.
FRAMEWORK = [
    "tmr.ttl",
    "shapes.ttl",
    "sources.ttl",
    "queries",
    "anatomy/regions.ttl",
    "anatomy/joints.ttl",
    "anatomy/levels.ttl",
    "anatomy/digits.ttl",
    "anatomy/roots.ttl",
]


def copy_framework(target: Path) -> Path:
    """Copy the shipped vocabulary, shapes, queries and framework anatomy into ``target``."""
    source = paths.ontology_dir()
    for name in FRAMEWORK:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
    return target


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/system (wheel, browser, load, killed writers) as ``system``.

    Here rather than in tests/system/conftest.py: with ``--doctest-modules`` a third module named
    ``conftest`` on the path collides with the browser tests' own at collection.
    """
    for item in items:
        if SYSTEM in item.path.parents:
            item.add_marker(pytest.mark.system)
            # Under ``-n --dist loadgroup`` (make test) the browser tests share one worker and the
            # other system tests (wheel, load, killed writers, server) another, so each kind runs
            # one test at a time and the two kinds side by side: one group of all of them was
            # the suite's critical path. The unit tests fill the workers around them.
            browser = SYSTEM / "browser" in item.path.parents
            item.add_marker(pytest.mark.xdist_group("system-browser" if browser else "system"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Give each ``xdist_group`` test its ``@group`` node-id suffix where pytest-xdist could not.

    ``--dist loadgroup`` learns a test's group from that suffix, which xdist 3.8 writes into a
    node attribute pytest 9.2 no longer reads (pytest-xdist issue #1386): the groups were then
    silently ignored, the system tests spread over the workers and every module fixture built in
    each. Runs in the workers (where xdist sets ``loadgroup``) before they report their test ids;
    does nothing once an xdist release names the groups itself (the suffix is already there).
    """
    if not getattr(session.config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId  # pytest's structured node ids (9.2), private for now

    for item in session.items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(item.nodeid + suffix)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base, loaded once for the whole test session."""
    return load_knowledge_base()


@pytest.fixture(scope="session")
def planner(kb: KnowledgeBase) -> Planner:
    """The shipped rules over the shipped knowledge base, built once for the session.

    What ``load_planner`` gives minus the SHACL validation, which the validation tests own. Tests
    only read it; a test that changes rules or knowledge builds a planner of its own.
    """
    return Planner(kb, load_rulebook(known_sources=kb.source_ids()))


def build_ontology(target: Path, extra: str = "", *, mini: bool = True) -> Path:
    """The framework in ``target``, plus the mini anatomy and ``extra`` Turtle text."""
    copy_framework(target)
    if mini:
        shutil.copy(FIXTURES / "mini" / "anatomy.ttl", target / "anatomy" / "mini.ttl")
    if extra:
        (target / "extra.ttl").write_text(PREFIXES + extra, encoding="utf-8")
    return target


@pytest.fixture
def make_ontology(tmp_path: Path) -> Callable[..., Path]:
    """Build a fixture ontology: the framework plus the mini anatomy plus extra Turtle text."""

    built = 0

    def build(extra: str = "", *, mini: bool = True) -> Path:
        nonlocal built
        built += 1
        return build_ontology(tmp_path / f"ontology{built}", extra, mini=mini)

    return build


@pytest.fixture(scope="session")
def mini_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The tiny fixture knowledge base, loaded once; tests that edit an ontology use
    ``make_ontology`` and load their own."""
    return load_knowledge_base(build_ontology(tmp_path_factory.mktemp("mini") / "ontology"))


PREFIXES = """@prefix tmr: <https://w3id.org/tmrplan#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


@pytest.fixture(autouse=True, scope="session")
def _private_validation_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep validation stamps out of the user's cache, so every test session validates afresh."""
    import os

    # One cache for the session's workers (xdist): a content validated or indexed by one is not
    # validated again by the other; entries are written atomically and keyed by content.
    shared = tmp_path_factory.getbasetemp().parent / "shared-cache"
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared.mkdir(exist_ok=True)
        os.environ["TMRPLAN_CACHE"] = str(shared)
    else:
        os.environ["TMRPLAN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    # The app's audit log too: tests (and the servers they start) never write the user's own.
    os.environ["TMRPLAN_AUDIT_DB"] = str(tmp_path_factory.mktemp("audit") / "audit.sqlite3")


# Labels that would run script, draw an image or format text if any page treated data as markup.
HOSTILE_NERVE = "median nerve <script>window.tmrPwned=1</script>"
HOSTILE_MUSCLE = "brachialis <img src=x onerror=window.tmrPwned=2> **not bold** $x$ :red[not red]"


def write_hostile_ontology(target: Path) -> Path:
    """A copy of the shipped ontology whose median nerve and brachialis labels carry markup."""
    shutil.copytree(paths.ontology_dir(), target)
    anatomy = target / "anatomy" / "upper_limb_proximal.ttl"
    text = anatomy.read_text(encoding="utf-8")
    for old, new in (("median nerve", HOSTILE_NERVE), ("brachialis", HOSTILE_MUSCLE)):
        assert text.count(f'skos:prefLabel "{old}"@en') == 1
        text = text.replace(f'skos:prefLabel "{old}"@en', f'skos:prefLabel "{new}"@en')
    anatomy.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def hostile_ontology(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped ontology with markup in two labels (see ``write_hostile_ontology``)."""
    return write_hostile_ontology(tmp_path_factory.mktemp("hostile") / "ontology")


# ------------------------------------------------------------------------------ property tests

# Reproducible: derandomized, no example database, so one command runs the same inputs each time.
settings.register_profile(
    "tmrplan",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.load_profile("tmrplan")


# Events hypothesis records itself (a filter retried, a recursion cut short): they describe the
# strategy, not what an input led to, and --hypothesis-show-statistics still shows them.
HYPOTHESIS_OWN = ("Retried draw from ", "Draw for ", "gave up because")


@dataclass
class PropertyRun:
    """One property's run as hypothesis's statistics tell it: inputs, time, and the outcomes the
    property recorded with ``hypothesis.event`` (an event with a number payload adds that number)."""

    file: str
    name: str
    inputs: int = 0
    seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, stats: dict[str, Any]) -> None:
        generated = stats.get("generate-phase", {})
        self.seconds += generated.get("duration-seconds", 0.0)
        for case in generated.get("test-cases", []):
            if case["status"] not in ("valid", "interesting"):
                continue  # rejected while drawing: the property never saw it
            self.inputs += 1
            for text in case["events"]:
                if text.startswith(HYPOTHESIS_OWN):
                    continue
                label, _, payload = text.partition(": ")
                if payload.isdigit():
                    self.outcomes[label] += int(payload)
                else:
                    self.outcomes[text] += 1

    def to_dict(self) -> dict[str, Any]:
        """Plain data, so the record can ride on a test report from an xdist worker."""
        return {**vars(self), "outcomes": dict(self.outcomes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PropertyRun:
        return cls(**{**data, "outcomes": Counter(data["outcomes"])})


# A test's property runs, kept on its item until its report is made.
PROPERTY_RUNS = pytest.StashKey[list[PropertyRun]]()
# The report attribute that carries them to the terminal summary. Reports are what pytest-xdist
# sends from each worker to the controller (with every attribute in their __dict__, as
# hypothesis's own plugin relies on for its statistics), so the summary is printed once, by the
# process that prints, over every worker's runs, and the same way without xdist.
REPORT_KEY = "tmrplan_property_runs"


@pytest.fixture
def run_property(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Run a property (a ``@given`` function defined inside the test, as its strategies need the
    test's fixtures) and check that it saw ``at_least`` generated inputs.

    Hypothesis's pytest plugin collects statistics only for a test that is itself ``@given``, so
    this collects them for the inner one: they print with ``--hypothesis-show-statistics`` like
    any other, and feed the table of inputs at the end of the session.
    """

    def run(name: str, prop: Callable[[], None], *, at_least: int) -> None:
        record = PropertyRun(request.node.path.name, name)
        request.node.stash.setdefault(PROPERTY_RUNS, []).append(record)
        described: list[str] = []

        def note(stats: dict[str, Any]) -> None:
            record.add(stats)
            described.append(describe_statistics({**stats, "nodeid": request.node.nodeid}))
            request.node.hypothesis_statistics = "\n".join(described)

        with collector.with_value(note):
            prop()
        assert record.inputs >= at_least, f"{name}: only {record.inputs} inputs"

    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Put the properties a test ran on its call report (as plain data, see ``REPORT_KEY``)."""
    report = yield
    runs = item.stash.get(PROPERTY_RUNS, [])
    if report.when == "call" and runs:
        report.__dict__[REPORT_KEY] = [run.to_dict() for run in runs]
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """How many inputs each property was given and what they led to, and the session's total."""
    reports = [
        report
        for category in terminalreporter.stats.values()
        for report in category
        if REPORT_KEY in getattr(report, "__dict__", {})
    ]
    # Sorted by node id: xdist workers report in whatever order they finish.
    reports.sort(key=lambda report: report.nodeid)
    runs = [
        PropertyRun.from_dict(data) for report in reports for data in report.__dict__[REPORT_KEY]
    ]
    if not runs:
        return
    terminalreporter.section("hypothesis inputs (details: --hypothesis-show-statistics)")
    for run in runs:
        seen = ", ".join(f"{k} {v}" for k, v in sorted(run.outcomes.items()))
        terminalreporter.write_line(
            f"{run.inputs:6d}  {run.file}  {run.name}  ({run.seconds:.1f} s)  {seen}"
        )
    total = sum(r.inputs for r in runs)
    terminalreporter.write_line(f"{total:6d}  total ({sum(r.seconds for r in runs):.1f} s)")
