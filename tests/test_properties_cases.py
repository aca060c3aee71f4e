"""Property-based tests of case input: the Python API, ``plan`` on the CLI, and JSONL batches.

Whatever comes in (real names, misspelt ones, any unicode, empty or 10,000-character values, a
wrong level for the limb, a nerve that does not run there, many nerves, malformed batch lines),
the answer is a plan or a ``TmrplanError`` whose message names the value: never another
exception, never a traceback, never a half-written ``--output`` file.

Runs are reproducible: examples are derandomized and no example database is kept, so one command
runs the same inputs every time (hypothesis also draws constants from the modules loaded, so a
subset of the suite may draw slightly different ones). How many inputs each property ran, what
they led to, and how long it took, is printed at the end of the session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from rdflib import URIRef

from tmrplan import cli
from tmrplan.cli import context as cli_context
from tmrplan.errors import AmbiguousNameError, TmrplanError, UnknownEntityError
from tmrplan.knowledge.kb import load_knowledge_base, local_name
from tmrplan.knowledge.vocab import TMR
from tmrplan.model import CONTEXT_FIELDS, LEVEL_IDS, Case, Plan, parse_case
from tmrplan.planning.planner import Planner, resolve_nerve
from tmrplan.rules.cards import load_rulebook

HUGE = 1_000  # a value this long must not be echoed whole
SIDES = ("left", "right")


# ------------------------------------------------------------------------------ one planner

_PLANNERS: dict[tuple[Path | None, Path | None], Planner] = {}


def cached_planner(ontology: Path | None = None, rules: Path | None = None) -> Planner:
    """A planner once per (ontology, rules), for the API and, patched in, for the CLI (which
    loads one per invocation, ~1 s). Built like ``load_planner`` minus the SHACL validation that
    other tests own (it costs ~15 s on a fresh cache)."""
    key = (ontology, rules)
    if key not in _PLANNERS:
        kb = load_knowledge_base(ontology)
        _PLANNERS[key] = Planner(kb, load_rulebook(rules, known_sources=kb.source_ids()))
    return _PLANNERS[key]


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch, planner: Planner) -> Callable[[list[str]], Result]:
    """Run the CLI in-process with the shared planner instead of a fresh load per call."""
    _PLANNERS.setdefault((None, None), planner)  # the session's: the shipped data, not validated
    monkeypatch.setattr(cli_context, "load_planner", cached_planner)

    def run(args: list[str]) -> Result:
        return CliRunner().invoke(cli.main, args)

    return run


# ------------------------------------------------------------------------------ strategies

ANY_CHAR = st.characters(exclude_categories=())  # every code point, lone surrogates included


def huge_text() -> st.SearchStrategy[str]:
    """5,000 to 10,000 characters: a short random unit repeated."""
    return st.tuples(st.text(ANY_CHAR, min_size=1, max_size=6), st.integers(5_000, 10_000)).map(
        lambda t: (t[0] * t[1])[: t[1]]
    )


@st.composite
def typos(draw: st.DrawFn, names: Sequence[str]) -> str:
    """A real name with one slip: a letter dropped, added, replaced or swapped, or odd casing."""
    name = draw(st.sampled_from(names))
    at = draw(st.integers(0, max(len(name) - 1, 0)))
    char = draw(st.one_of(st.sampled_from("aeinorst -_'"), ANY_CHAR))
    kind = draw(st.sampled_from(["drop", "insert", "replace", "swap", "upper", "pad", "double"]))
    if kind == "drop":
        return name[:at] + name[at + 1 :]
    if kind == "insert":
        return name[:at] + char + name[at:]
    if kind == "replace":
        return name[:at] + char + name[at + 1 :]
    if kind == "swap":
        return name[:at] + name[at + 1 : at + 2] + name[at : at + 1] + name[at + 2 :]
    if kind == "upper":
        return name.upper()
    if kind == "pad":
        return f"  {name}\t"
    return name + " " + name


def names_or_garbage(names: Sequence[str]) -> st.SearchStrategy[str]:
    """Real names, misspelt names, any unicode, blanks, and huge values."""
    return st.one_of(
        st.sampled_from(names),
        typos(names),
        st.text(ANY_CHAR, max_size=30),
        st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u2028", "\x00", "'", '"', "\\"]),
        huge_text(),
    )


def odd_values() -> st.SearchStrategy[Any]:
    """Values of the wrong type for a yes/no context field."""
    return st.one_of(
        st.none(),
        st.integers(),
        st.floats(allow_nan=True),
        st.sampled_from(["yes", "no", "true", "", "1"]),
        st.lists(st.booleans(), max_size=3),
        huge_text(),
    )


class Pools:
    """Real names from the knowledge base, for generating near-miss inputs."""

    def __init__(self, planner: Planner) -> None:
        kb = planner.kb
        nerves = [e for e in kb.types if kb.is_a(e, TMR.Nerve)]
        self.nerves = sorted({n for e in nerves for n in (kb.label(e), *kb.alt_labels.get(e, []))})
        self.others = sorted({kb.label(e) for e in kb.types if not kb.is_a(e, TMR.Nerve)})
        self.regions = sorted(kb.region_ids)
        self.levels = list(LEVEL_IDS)
        # For each amputation level, every nerve that runs through its stump region.
        self.reaching: dict[str, list[str]] = {}
        for level in LEVEL_IDS:
            if level == "none":
                continue
            site = planner.index.site(level, None)
            self.reaching[level] = sorted(
                kb.label(e) for e in nerves if planner.index.reaches(e, site)
            )


@pytest.fixture(scope="module")
def pools(planner: Planner) -> Pools:
    return Pools(planner)


@st.composite
def valid_cases(draw: st.DrawFn, pools: Pools) -> Case:
    """A case that plans: up to three nerves that run through the level's stump."""
    level = draw(st.sampled_from([lv for lv, nerves in sorted(pools.reaching.items()) if nerves]))
    nerves = draw(
        st.lists(st.sampled_from(pools.reaching[level]), min_size=1, max_size=3, unique=True)
    )
    context = draw(st.dictionaries(st.sampled_from(list(CONTEXT_FIELDS)), st.booleans()))
    side = draw(st.sampled_from([None, *SIDES]))
    return Case(tuple(nerves), level, None, side, context, draw(st.booleans()))


@st.composite
def messy_cases(draw: st.DrawFn, pools: Pools, *, command_line: bool = False) -> Case:
    """A case in which any field may be anything: misspelt, any unicode, empty, 10,000
    characters, many nerves. On the command line, side and context keys stay valid (click and
    ``--context`` have their own tests)."""
    level = draw(
        st.one_of(
            st.sampled_from([*sorted(pools.reaching), "none"]), names_or_garbage(pools.levels)
        )
    )
    nerve = st.one_of(
        st.sampled_from(pools.reaching.get(level) or pools.nerves),
        names_or_garbage(pools.nerves + pools.others),
    )
    nerves = draw(
        st.one_of(
            st.lists(nerve, min_size=1, max_size=3),
            st.just([]),
            st.lists(st.sampled_from(pools.nerves), min_size=20, max_size=200),
        )
    )
    region = draw(
        st.one_of(
            st.sampled_from(pools.regions) if level == "none" else st.none(),
            names_or_garbage(pools.regions),
        )
    )
    if command_line:
        side = draw(st.sampled_from([None, *SIDES]))
        keys: st.SearchStrategy[str] = st.sampled_from(list(CONTEXT_FIELDS))
        values: st.SearchStrategy[Any] = st.booleans()
    else:
        side = draw(st.one_of(st.sampled_from([None, *SIDES]), names_or_garbage(SIDES)))
        keys = st.one_of(
            st.sampled_from(list(CONTEXT_FIELDS)), names_or_garbage(list(CONTEXT_FIELDS))
        )
        values = st.one_of(st.booleans(), odd_values())
    context = draw(st.dictionaries(keys, values, max_size=3))
    return Case(tuple(nerves), level, region, side, context, draw(st.booleans()))


def cases(pools: Pools, *, command_line: bool = False) -> st.SearchStrategy[Case]:
    """Cases that plan and cases with anything in any field, about half and half (hypothesis does
    not repeat an input, so the valid side needs a space of its own to draw from)."""
    return st.one_of(valid_cases(pools), messy_cases(pools, command_line=command_line))


# ------------------------------------------------------------------------------ oracles


def names_value(message: str, value: object) -> bool:
    """Whether ``message`` shows ``value``: whole, or (when long) as a cut rendering of it."""
    shown = repr(value)
    if shown in message:
        return True
    if isinstance(value, str) and repr(value.strip().casefold()) in message.casefold():
        return True  # as the knowledge base spells it: 'median nerve' for "  MEDIAN NERVE"
    return len(shown) > 60 and shown[:20] in message and "…" in message


def check_message(message: str, values: Sequence[object]) -> None:
    """The message names one of the values, and echoes no huge one whole."""
    assert "Traceback" not in message
    assert any(names_value(message, v) for v in values), message[:2000]
    for value in values:
        if len(repr(value)) > HUGE:
            assert repr(value) not in message, "a huge value is echoed whole"
            assert len(message) < HUGE, f"message of {len(message)} characters"


def case_values(case: Case) -> list[object]:
    """Every value a case carries, any of which a message may name."""
    values = [*case.nerves, case.level, case.region, case.side, *case.context]
    return [v for v in [*values, *case.context.values()] if v is not None]


def plan_or_error(planner: Planner, case: Case) -> Plan | TmrplanError:
    """The plan, or the TmrplanError; any other exception fails the property."""
    try:
        return planner.plan(case)
    except TmrplanError as error:
        return error


def expected_for_nerve(planner: Planner, name: str, level: str) -> tuple[str, URIRef | None]:
    """What planning one nerve at an amputation level should give: 'plan' with the nerve it
    plans, or the error kind."""
    kb = planner.kb
    if len(name) > 200:
        return "too long", None
    site = planner.index.site(level, None)
    try:  # in the case's context, as the planner resolves it ("MPN" in a foot is plantar)
        entity = resolve_nerve(planner.index, name, site).entity
    except AmbiguousNameError:
        return "ambiguous", None
    except UnknownEntityError:
        return "unknown", None
    if not kb.is_a(entity, TMR.Nerve):
        return "not a nerve", entity
    if not planner.index.reaches(entity, site):
        return "does not reach", entity
    return "plan", entity


def no_traceback(result: Result) -> None:
    """The CLI ended by its own exit code, printing no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-2000:])
    assert "Traceback" not in result.output


def cli_args(case: Case) -> list[str]:
    args = ["plan", *(f"--nerve={n}" for n in case.nerves), f"--level={case.level}"]
    if case.region is not None:
        args.append(f"--region={case.region}")
    if case.side is not None:
        args.append(f"--side={case.side}")
    args += [f"--context={k}={'yes' if v else 'no'}" for k, v in case.context.items()]
    if case.allow_shared_targets:
        args.append("--allow-shared-targets")
    return args


# ------------------------------------------------------------------------------ Python API


def test_api_any_case_plans_or_names_a_value(
    planner: Planner, pools: Pools, run_property: Callable[..., None]
) -> None:
    """Anything at all in every field: a plan, or a TmrplanError naming one of the values."""
    name = "API: any case"

    @settings(max_examples=300)
    @given(cases(pools))
    def prop(case: Case) -> None:
        outcome = plan_or_error(planner, case)
        event(type(outcome).__name__)
        if isinstance(outcome, Plan):
            assert len(outcome.nerves) == len(case.nerves)
        elif not case.nerves:
            assert "at least one neuroma nerve" in str(outcome)
        else:
            check_message(str(outcome), case_values(case))

    run_property(name, prop, at_least=300)


def test_api_one_nerve_plans_exactly_when_it_reaches_the_level(
    planner: Planner, pools: Pools, run_property: Callable[..., None]
) -> None:
    """Real, misspelt and garbage nerve names at every level: the error is the one anatomy
    predicts (unknown, not a nerve, does not reach) and names the name as typed."""
    name = "API: one nerve at a level"

    levels = st.sampled_from([lv for lv, nerves in sorted(pools.reaching.items()) if nerves])
    names = st.one_of(st.sampled_from(pools.nerves), names_or_garbage(pools.nerves + pools.others))

    @settings(max_examples=250)
    @given(
        drawn=levels.flatmap(
            lambda lv: st.tuples(st.just(lv), st.one_of(st.sampled_from(pools.reaching[lv]), names))
        ),
        side=st.sampled_from([None, *SIDES]),
    )
    # CI's find: in an ankle case 'SSN' is the short saphenous (sural) nerve, not ambiguous
    @example(drawn=("ankle_disarticulation", "SSN"), side=None)
    def prop(drawn: tuple[str, str], side: str | None) -> None:
        level, nerve = drawn
        expected, entity = expected_for_nerve(planner, nerve, level)
        event(expected)
        outcome = plan_or_error(planner, Case((nerve,), level, side=side))
        if expected == "plan":
            assert isinstance(outcome, Plan), outcome
            assert entity is not None and outcome.nerves[0].nerve.id == local_name(entity)
            return
        assert isinstance(outcome, TmrplanError), f"{nerve!r} at {level}: expected {expected}"
        message = str(outcome)
        check_message(message, [nerve])
        words = {
            "unknown": "unknown nerve",
            "not a nerve": "not a nerve",
            "does not reach": "does not reach",
            "ambiguous": "is ambiguous",
            "too long": "is too long",
        }
        assert words[expected] in message, (expected, message[:500])

    run_property(name, prop, at_least=250)


def test_api_one_bad_field_is_the_one_named(
    planner: Planner, pools: Pools, run_property: Callable[..., None]
) -> None:
    """A valid case with exactly one bad level, region, side or context entry: the error names
    that value (cut short when huge), not some other one."""
    name = "API: one bad field"

    def names_a_place(kind: str, value: object) -> bool:
        """Levels and regions are read by id, label or synonym in any case ("AKA", "LEG")."""
        try:
            planner.index.place_id(kind, str(value))
        except TmrplanError:
            return False
        return True

    @st.composite
    def bad_cases(draw: st.DrawFn) -> tuple[Case, object]:
        level = draw(st.sampled_from(sorted(pools.reaching)))
        nerve = draw(st.sampled_from(pools.reaching[level] or ["median nerve"]))
        field = draw(st.sampled_from(["level", "region", "intact region", "side", "key", "value"]))
        if field == "level":
            bad: object = draw(
                names_or_garbage(pools.levels).filter(lambda v: not names_a_place("level", v))
            )
            return Case((nerve,), str(bad), None), bad
        if field == "region":  # a region only belongs to an intact limb
            bad = draw(names_or_garbage(pools.regions).filter(bool))
            return Case((nerve,), level, str(bad)), bad
        if field == "intact region":
            bad = draw(
                names_or_garbage(pools.regions).filter(lambda v: not names_a_place("region", v))
            )
            return Case((nerve,), "none", str(bad) if bad else None), bad if bad else "none"
        if field == "side":
            bad = draw(names_or_garbage(SIDES).filter(lambda v: v not in SIDES))
            return Case((nerve,), level, None, str(bad)), bad
        if field == "key":
            bad = draw(
                names_or_garbage(list(CONTEXT_FIELDS)).filter(lambda v: v not in CONTEXT_FIELDS)
            )
            return Case((nerve,), level, context={str(bad): True}), bad
        bad = draw(odd_values())
        key = draw(st.sampled_from(list(CONTEXT_FIELDS)))
        return Case((nerve,), level, context={key: bad}), bad  # type: ignore[dict-item]

    @settings(max_examples=250)
    @given(bad_cases())
    def prop(drawn: tuple[Case, object]) -> None:
        case, bad = drawn
        outcome = plan_or_error(planner, case)
        event(type(outcome).__name__)
        assert isinstance(outcome, TmrplanError), f"{bad!r} was accepted"
        check_message(str(outcome), [bad])

    run_property(name, prop, at_least=250)


def test_api_many_nerves_that_reach_get_distinct_targets(
    planner: Planner, pools: Pools, run_property: Callable[..., None]
) -> None:
    """Many real nerves at once (up to every nerve that runs through the stump): a plan in which
    no two nerves are given the same target unless sharing is allowed."""
    name = "API: many nerves"

    @st.composite
    def many(draw: st.DrawFn) -> Case:
        level = draw(st.sampled_from([lv for lv, ns in sorted(pools.reaching.items()) if ns]))
        nerves = draw(st.lists(st.sampled_from(pools.reaching[level]), min_size=1, unique=True))
        return Case(tuple(nerves), level, allow_shared_targets=draw(st.booleans()))

    @settings(max_examples=40)
    @given(many())
    def prop(case: Case) -> None:
        outcome = plan_or_error(planner, case)
        assert isinstance(outcome, Plan), outcome
        event("nerves", len(case.nerves))
        assert len(outcome.nerves) == len(case.nerves)
        chosen = [
            n.options[n.assigned_rank - 1].target_muscle.id
            for n in outcome.nerves
            if n.assigned_rank is not None
        ]
        if not case.allow_shared_targets:
            assert len(chosen) == len(set(chosen))

    run_property(name, prop, at_least=40)


# ------------------------------------------------------------------------------ CLI: plan


def test_cli_plan_exits_0_or_2_naming_the_value(
    planner: Planner,
    pools: Pools,
    run_property: Callable[..., None],
    invoke: Callable[[list[str]], Result],
) -> None:
    """``plan --nerve … --level …`` agrees with the API: exit 0 with a plan where the API plans,
    exit 2 naming the value where it refuses; never a traceback."""
    name = "CLI: plan"

    @settings(max_examples=150)
    @given(cases(pools, command_line=True))
    def prop(case: Case) -> None:
        expected = plan_or_error(planner, case)
        result = invoke(cli_args(case))
        no_traceback(result)
        event(f"exit {result.exit_code}")
        if isinstance(expected, Plan):
            assert result.exit_code == 0, result.stderr[-2000:]
            assert result.stdout.strip()
        elif not case.level or not case.nerves:
            assert result.exit_code == 2 and "plan needs --nerve and --level" in result.stderr
        else:
            assert result.exit_code == 2, result.output[-2000:]
            assert result.stderr.startswith("error: ")
            check_message(result.stderr, case_values(case))

    run_property(name, prop, at_least=150)


def test_cli_context_items_are_checked_and_named(
    run_property: Callable[..., None], invoke: Callable[[list[str]], Result]
) -> None:
    """``--context`` items that are not ``KEY=yes|no`` for a known key: exit 2 naming the item."""
    name = "CLI: --context items"
    keys = list(CONTEXT_FIELDS)

    @settings(max_examples=60)
    @given(
        key=st.one_of(st.sampled_from(keys), names_or_garbage(keys)),
        sep=st.sampled_from(["=", "", ":", "=="]),
        value=st.one_of(
            st.sampled_from(["yes", "no", "YES", "True", "false"]), names_or_garbage(["yes", "no"])
        ),
    )
    def prop(key: str, sep: str, value: str) -> None:
        item = f"{key}{sep}{value}"
        args = ["plan", "--nerve=sural nerve", "--level=transtibial", f"--context={item}"]
        result = invoke(args)
        no_traceback(result)
        event(f"exit {result.exit_code}")
        good = (
            sep == "=" and key in CONTEXT_FIELDS and value.lower() in {"yes", "no", "true", "false"}
        )
        if good:
            assert result.exit_code == 0, result.stderr[-2000:]
        else:
            assert result.exit_code == 2
            check_message(result.stderr, [item, key])

    run_property(name, prop, at_least=60)


def test_cli_failed_plan_never_writes_output(
    tmp_path: Path,
    planner: Planner,
    pools: Pools,
    run_property: Callable[..., None],
    invoke: Callable[[list[str]], Result],
) -> None:
    """``plan --output FILE``: a failing run leaves the old file as it was (or no file) and no
    temporary; a passing one leaves a whole file."""
    name = "CLI: plan --output"
    counter = iter(range(1_000_000))

    @settings(max_examples=60)
    @given(
        case=cases(pools, command_line=True),
        fmt=st.sampled_from(["text", "json", "md", "jsonl", "pdf"]),
        previous=st.one_of(st.none(), st.binary(max_size=50)),
        missing_folder=st.booleans(),
    )
    def prop(case: Case, fmt: str, previous: bytes | None, missing_folder: bool) -> None:
        folder = tmp_path / f"run{next(counter)}"
        folder.mkdir()
        target = (folder / "missing" if missing_folder else folder) / f"plan.{fmt}"
        if previous is not None and not missing_folder:
            target.write_bytes(previous)
        before = sorted(p.name for p in folder.rglob("*"))
        expected = plan_or_error(planner, case)
        result = invoke([*cli_args(case), "--format", fmt, "--output", str(target)])
        no_traceback(result)
        event(f"exit {result.exit_code}")
        if isinstance(expected, Plan) and not missing_folder:
            assert result.exit_code == 0, result.stderr[-2000:]
            data = target.read_bytes()
            if fmt == "pdf":
                assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
            elif fmt in ("json", "jsonl"):
                assert json.loads(data)["nerves"]
            else:
                assert data.strip()
            assert sorted(p.name for p in folder.rglob("*")) == sorted({*before, target.name})
        else:
            assert result.exit_code == 2, result.output[-2000:]
            assert sorted(p.name for p in folder.rglob("*")) == before, "a file was written"
            if previous is not None and not missing_folder:
                assert target.read_bytes() == previous
            if missing_folder:
                assert "missing" in result.stderr or isinstance(expected, TmrplanError)

    run_property(name, prop, at_least=60)


# ------------------------------------------------------------------------------ CLI: JSONL


GOOD_CASES = [
    {"level": "transhumeral", "nerves": ["median nerve"], "side": "left"},
    {"level": "transtibial", "nerves": ["sural nerve"], "context": {"anticoagulants": True}},
    {"level": "none", "region": "leg", "nerves": ["sural nerve"]},
    {"level": "transradial", "nerves": ["ulnar nerve"], "allow_shared_targets": True},
    # Names as people type them: other case, spacing, and Unicode line and paragraph separators
    # around the name (JSON strings may hold them raw; they are whitespace to the name lookup).
    {"level": "transhumeral", "nerves": ["  MEDIAN NERVE\u2028"]},
    {"level": "transtibial", "nerves": ["sural nerve\u0085", "\u2029tibial nerve"]},
]


def bad_lines() -> st.SearchStrategy[bytes]:
    """Lines a batch must reject: not JSON, not an object, wrong types, unknown names."""
    good = st.sampled_from(GOOD_CASES)
    wrong_types = st.tuples(
        good,
        st.sampled_from(
            ["nerves", "level", "region", "side", "context", "allow_shared_targets", "extra"]
        ),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=5),
            st.lists(st.integers(), max_size=3),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
            st.sampled_from([["median nerve", 5], {"anticoagulants": "yes"}, [[]], "transhumeral"]),
        ),
    ).map(lambda t: {**t[0], t[1]: t[2]})
    unknown = st.tuples(good, st.sampled_from(["nerves", "level", "region"]), st.text(max_size=20))
    unknown_names = unknown.map(
        lambda t: {**t[0], t[1]: [t[2] + "x"] if t[1] == "nerves" else t[2] + "x"}
    )
    as_json = st.one_of(wrong_types, unknown_names).map(
        lambda d: json.dumps(d, ensure_ascii=False).encode()
    )
    not_json = st.one_of(
        st.sampled_from(GOOD_CASES).flatmap(
            lambda d: st.integers(1, len(json.dumps(d)) - 1).map(
                lambda n, d=d: json.dumps(d).encode()[:n]  # truncated
            )
        ),
        st.text(ANY_CHAR.filter(lambda c: c not in "\n\r"), min_size=1, max_size=30)
        .filter(lambda s: s.strip() != "")
        .map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"[]",
                b"5",
                b'"a case"',
                b"null",
                b"{not json",
                b"\xff\xfe{}",  # not UTF-8
                b'{"level": "transhumeral", "nerves": ["m\xe9dian"]}',  # Latin-1, not UTF-8
                b"1" * 5_000,  # beyond Python's digit limit for int()
                b"[" * 100_000,  # deeper than the JSON decoder's recursion limit
                b'{"level": "transhumeral", "nerves": ["median nerve"]',
                b"\x00",
                b"{'level': 'transhumeral'}",
            ]
        ),
    )
    return st.one_of(as_json, not_json)


def test_jsonl_batch_reports_every_bad_line_and_runs_the_rest(
    tmp_path: Path,
    planner: Planner,
    run_property: Callable[..., None],
    invoke: Callable[[list[str]], Result],
) -> None:
    """Each bad line is reported once with its file and line number; every good line still gives
    its plan, in order; exit 2 if any line was bad, else 0."""
    name = "CLI: JSONL batch"
    good_lines = st.sampled_from(GOOD_CASES).map(lambda d: json.dumps(d, ensure_ascii=False))
    line = st.one_of(
        good_lines.map(lambda s: ("good", s.encode())),
        bad_lines().map(lambda b: ("bad", b)),
        st.sampled_from([b"", b"   ", b"\t"]).map(lambda b: ("blank", b)),
    )
    counter = iter(range(1_000_000))

    @settings(max_examples=80)
    @given(lines=st.lists(line, max_size=10), crlf=st.booleans())
    def prop(lines: list[tuple[str, bytes]], crlf: bool) -> None:
        cases = tmp_path / f"batch{next(counter)}.jsonl"
        # A bad line that happens to be a valid case is good after all (e.g. an odd side of None).
        kinds = [
            kind if kind != "bad" or not plans(planner, text) else "good" for kind, text in lines
        ]
        cases.write_bytes((b"\r\n" if crlf else b"\n").join(text for _, text in lines) + b"\n")
        result = invoke(["plan", "--cases", str(cases), "--format", "jsonl"])
        no_traceback(result)
        event(f"exit {result.exit_code}")
        bad = [n for n, kind in enumerate(kinds, 1) if kind == "bad"]
        good = [n for n, kind in enumerate(kinds, 1) if kind == "good"]
        event("bad lines", len(bad))
        event("good lines", len(good))
        assert result.exit_code == (2 if bad else 0), result.output[-2000:]
        # JSON Lines end at "\n" only: a plan echoes names as typed, U+2028 included.
        reported = result.stderr.split("\n")[:-1]
        for number in bad:
            prefix = f"error: {cases}:{number}: "
            assert sum(r.startswith(prefix) for r in reported) == 1, (number, result.stderr)
        assert len(reported) == len(bad), result.stderr
        out = [json.loads(x) for x in result.stdout.split("\n")[:-1]]
        assert len(out) == len(good), (good, result.stdout[:500])
        for number, plan in zip(good, out, strict=True):
            sent = json.loads(lines[number - 1][1])
            assert plan["case"]["nerves"] == sent["nerves"]
            assert plan["case"]["level"] == sent["level"]

    run_property(name, prop, at_least=80)


def plans(planner: Planner, text: bytes) -> bool:
    """Whether a generated "bad" line is, after all, a case that plans (e.g. ``"side": null``).

    Only JSON, ``parse_case`` and planner refusals count as bad; anything else raised here
    fails the test, as it would crash the batch.
    """
    try:
        return isinstance(planner.plan(parse_case(json.loads(text.decode()))), Plan)
    except (ValueError, RecursionError, TmrplanError):  # JSONDecodeError, UnicodeDecodeError
        return False


def test_good_batch_cases_plan(planner: Planner) -> None:
    """The pool of good lines really is good (else the batch property would prove nothing)."""
    for data in GOOD_CASES:
        assert isinstance(planner.plan(parse_case(data)), Plan), data


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(ANY_CHAR),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def test_parse_case_line_takes_a_case_or_names_the_field(
    planner: Planner, pools: Pools, run_property: Callable[..., None]
) -> None:
    """Any decoded JSON line: a Case whose fields have the types a Case promises, or an
    InvalidCaseError naming the field or the value; planning that Case raises only TmrplanError."""
    name = "parse_case: any JSON"
    fields = {
        "nerves": st.one_of(st.lists(st.sampled_from(pools.nerves), min_size=1, max_size=2), JSON),
        "level": st.one_of(st.sampled_from(pools.levels), JSON),
        "region": st.one_of(st.none(), st.sampled_from(pools.regions), JSON),
        "side": st.one_of(st.none(), st.sampled_from(SIDES), JSON),
        "context": st.one_of(
            st.none(), st.dictionaries(st.sampled_from(list(CONTEXT_FIELDS)), st.booleans()), JSON
        ),
        "allow_shared_targets": st.one_of(st.booleans(), JSON),
    }
    lines = st.one_of(
        JSON,
        st.fixed_dictionaries(
            {"nerves": fields["nerves"], "level": fields["level"]},
            optional={k: v for k, v in fields.items() if k not in ("nerves", "level")},
        ),
    )

    @settings(max_examples=300)
    @given(lines)
    def prop(data: Any) -> None:
        try:
            case = parse_case(data)
        except TmrplanError as error:
            event("refused")
            message = str(error)
            assert len(message) < HUGE, message[:200]
            fields_named = [k for k in fields if k in message]
            assert fields_named or "JSON object" in message or "unknown field" in message, message
            return
        assert isinstance(data, dict)
        assert isinstance(case.level, str) and all(isinstance(n, str) for n in case.nerves)
        assert case.region is None or isinstance(case.region, str), case.region
        assert case.side is None or isinstance(case.side, str), case.side
        assert isinstance(case.context, dict)
        assert case.allow_shared_targets is data.get("allow_shared_targets", False)
        outcome = plan_or_error(planner, case)
        event(f"case, then {type(outcome).__name__}")
        if isinstance(outcome, TmrplanError) and case.nerves:
            check_message(str(outcome), case_values(case))

    run_property(name, prop, at_least=300)


# ------------------------------------------------------------------------------ regressions
# One test per bug the properties above found, so each stays fixed whatever hypothesis draws.


def test_huge_value_is_cut_short_in_the_message(planner: Planner) -> None:
    level = "0" * 5_000
    with pytest.raises(TmrplanError) as error:
        planner.plan(Case(("median nerve",), level))
    message = str(error.value)
    assert message.startswith("level '000") and "… (5000 characters)" in message
    assert len(message) < 200


def test_synonym_is_named_as_typed(planner: Planner) -> None:
    with pytest.raises(TmrplanError) as error:
        planner.plan(Case(("10th intercostal nerve",), "shoulder_disarticulation"))
    assert str(error.value).startswith(
        "'10th intercostal nerve' (tenth intercostal nerve) does not reach the axilla"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"region": ["leg"]}, "region must be text or null, not ['leg']"),  # was a TypeError
        ({"side": 1}, "side must be text or null, not 1"),
        ({"allow_shared_targets": "no"}, "allow_shared_targets must be true or false, not 'no'"),
        ({"context": []}, "context must be an object, not []"),  # was read as no context
        ({"nerves": ["x"] * 5_000}, "nerves must be a list of names"),
    ],
)
def test_case_line_field_types(change: dict[str, Any], message: str) -> None:
    data = {"level": "none", "region": "leg", "nerves": ["sural nerve"], **change}
    if change.get("nerves"):
        data["nerves"] = [*change["nerves"], 5]
    with pytest.raises(TmrplanError) as error:
        parse_case(data)
    assert message in str(error.value) and len(str(error.value)) < 200


def test_batch_lines_are_split_on_newline_only_and_read_one_by_one(
    tmp_path: Path, invoke: Callable[[list[str]], Result]
) -> None:
    cases = tmp_path / "cases.jsonl"
    good = json.dumps(
        {"level": "transhumeral", "nerves": ["median nerve\u2028"]}, ensure_ascii=False
    )
    lines = [good.encode(), b'{"nerves": ["\xff"]}', b"9" * 5_000, b"[" * 100_000, good.encode()]
    cases.write_bytes(b"\n".join(lines) + b"\n")
    result = invoke(["plan", "--cases", str(cases), "--format", "jsonl"])
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert len(result.stdout.split("\n")[:-1]) == 2, result.stdout[:300]
    assert result.stderr.split("\n")[:-1] == [
        f"error: {cases}:2: not UTF-8 at byte 14",
        f"error: {cases}:3: not JSON: Exceeds the limit (4300 digits) for integer string conversion",
        f"error: {cases}:4: not JSON: nested too deeply",
    ]


def test_huge_context_key_on_the_command_line_is_cut_short(
    invoke: Callable[[list[str]], Result],
) -> None:
    key = "k" * 10_000
    result = invoke(["plan", "--nerve=sural nerve", "--level=transtibial", f"--context={key}=yes"])
    assert result.exit_code == 2
    assert "context field 'kkk" in result.stderr and len(result.stderr) < 300
