"""Property-based tests of data files: mutated rule cards, mutated and truncated Turtle, and
``export --output`` over them.

A damaged file either loads or fails with the project's own error naming the file and the line
(and, for a rule card, its id when the card got that far); never another exception, never a
half-written output file.

Runs are reproducible: examples are derandomized and no example database is kept, so one command
runs the same inputs every time (hypothesis also draws constants from the modules loaded, so a
subset of the suite may draw slightly different ones). How many inputs each property ran, what
they led to, and how long it took, is printed at the end of the session.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from tmrplan import cli, paths
from tmrplan.cli import context as cli_context
from tmrplan.errors import KnowledgeBaseError, RuleFileError
from tmrplan.knowledge.kb import KnowledgeBase, load_knowledge_base
from tmrplan.rules.card_schema import REQUIRED
from tmrplan.rules.cards import card_files, load_rulebook, parse_card
from tmrplan.rules.engine import to_ruleset
from tmrplan.rules.facts import FACTS

FIXTURES = Path(__file__).parent / "fixtures"
CARDS = card_files(paths.rules_dir())
RANKING_NEEDS = ("ranking.yaml", "distal_target.yaml", "native_control_site.yaml", "risk_high.yaml")
CARD_TEXT = {c: c.read_text(encoding="utf-8") for c in CARDS}
CARD_IDS = sorted(yaml.safe_load(text)["id"] for text in CARD_TEXT.values())


class Scratch:
    """A fresh folder per example under the test's tmp_path (hypothesis reuses one tmp_path)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made = 0

    def folder(self, prefix: str) -> Path:
        self.made += 1
        folder = self.root / f"{prefix}{self.made}"
        folder.mkdir()
        return folder


# ------------------------------------------------------------------------------ rule cards

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.text(min_size=141, max_size=200),
    st.lists(st.integers(), max_size=2),
    st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["eq", "fire", "no_fire", "all", "any", "info", "1.0.0", "src_TMR_leaflet"]),
)


def tree_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a parsed card (dict keys and list indices), the root excluded."""
    found: list[tuple[Any, ...]] = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in items:
        found.append((*prefix, key))
        found += tree_paths(child, (*prefix, key))
    return found


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


@st.composite
def mutated_structure(draw: st.DrawFn, text: str) -> str:
    """The card parsed, damaged in one to three places, and written back as YAML."""
    data = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        where = tree_paths(data)
        path = draw(st.sampled_from(where)) if where else ()
        kind = draw(
            st.sampled_from(
                ["drop", "odd", "typo", "wrap", "extra", "fact", "op", "id", "drop required"]
            )
        )
        if kind == "drop required":
            data.pop(draw(st.sampled_from(REQUIRED)), None)
        elif kind == "id":
            data["id"] = draw(st.sampled_from(CARD_IDS))  # another card's id: a duplicate
        elif kind in ("fact", "op"):
            conditions = data.get("when", {})
            conditions = next(iter(conditions.values()), []) if isinstance(conditions, dict) else []
            if isinstance(conditions, list) and conditions and isinstance(conditions[0], dict):
                if kind == "fact":
                    conditions[0]["fact"] = draw(
                        st.sampled_from(sorted(FACTS)).map(lambda f: f[:-1])
                    )
                else:
                    conditions[0]["op"] = draw(
                        st.sampled_from(["equals", "==", "in", "between", "EQ", ""])
                    )
        elif not path:
            continue
        else:
            parent = parent_of(data, path)
            key = path[-1]
            if kind == "drop":
                del parent[key]
            elif kind == "odd":
                parent[key] = draw(ODD_VALUES)
            elif kind == "typo" and isinstance(parent[key], str) and parent[key]:
                at = draw(st.integers(0, len(parent[key]) - 1))
                parent[key] = parent[key][:at] + parent[key][at + 1 :]
            elif kind == "wrap":
                parent[key] = [parent[key]]
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(["run", "extra", "op", "fact", "when"]))] = draw(
                    ODD_VALUES
                )
    return yaml.safe_dump(data, sort_keys=draw(st.booleans()), allow_unicode=True)


YAML_DAMAGE = [
    ":",
    ": :",
    "- ",
    "\t",
    "  ",
    "\n",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    "&a ",
    "*a",
    "*nowhere",
    "&x [*x]",
    "? ",
    "|",
    ">",
    "#",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    "!!python/object/apply:os.system ['true']",
    "!!int 'x'",
    "!!binary '*'",
    "2027-02-30",
    "2027-05-31 25:61:00",
    "9" * 5000,
    "\x00",
    "\x07",
    "\ufeff",
    "\u2028",
    "é",
]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> bytes:
    """The card's text damaged in one to three places: truncated, cut, or given odd tokens."""
    data = text
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["truncate", "insert", "delete", "replace line"]))
        if kind == "truncate":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + draw(st.sampled_from(YAML_DAMAGE)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)) :]
        else:
            lines = data.split("\n")
            index = draw(st.integers(0, max(len(lines) - 1, 0)))
            lines[index] = draw(st.sampled_from(YAML_DAMAGE))
            data = "\n".join(lines)
    raw = data.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:  # now and then, bytes that are not UTF-8
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x80", b"\x80"])) + raw[at:]
    return raw


def rule_id_in(raw: bytes) -> str | None:
    """The ``id`` a plain YAML reader finds in the card, if it gets that far."""
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return str(data["id"])
    return None


def check_rule_error(error: RuleFileError, folder: Path) -> None:
    """The error names a card file of the folder and a line within it, first thing."""
    message = str(error)
    assert error.path is not None, message
    path = Path(error.path)
    assert path.parent == folder and path.is_file(), message
    assert error.line is not None, f"no line: {message}"
    assert message.startswith(f"{path}:{error.line}"), message
    lines = path.read_bytes().count(b"\n") + 1
    assert 1 <= error.line <= lines + 1, (error.line, lines, message)
    card_id = rule_id_in(path.read_bytes())
    if card_id is not None:
        assert f"[rule {card_id}]" in message, message
    assert "Traceback" not in message
    assert len(message) < 2_000, f"message of {len(message)} characters: {message[:300]}"


def check_book_usable(folder: Path, known: frozenset[str]) -> None:
    book = load_rulebook(folder, known_sources=known)
    for card in book.cards:
        card.is_overdue()
        card.conditions_in_words()
    to_ruleset(book.running)


@pytest.fixture(scope="module")
def known_sources(kb: KnowledgeBase) -> frozenset[str]:
    return kb.source_ids()


def write_rules(folder: Path, victim: Path, data: bytes) -> None:
    """The damaged card and the next card of the shipped set, in ``folder``, with the ranking
    card and the cards it reads (a rules directory needs them; the damaged card may be one)."""
    neighbour = CARDS[(CARDS.index(victim) + 1) % len(CARDS)]
    for name in (neighbour.name, *RANKING_NEEDS):
        shutil.copy(paths.rules_dir() / name, folder / name)
    (folder / victim.name).write_bytes(data)


def test_mutated_rule_cards_load_or_name_file_line_and_rule(
    tmp_path: Path, known_sources: frozenset[str], run_property: Callable[..., None]
) -> None:
    """Cards with keys dropped, wrong types, unknown facts and operators, duplicate ids, YAML
    damage, truncation and non-UTF-8 bytes: RuleFileError naming file, line and rule id, or a
    rule book every card of which can be read and compiled."""
    name = "rule cards: mutated"
    scratch = Scratch(tmp_path)

    @st.composite
    def damaged(draw: st.DrawFn) -> tuple[Path, bytes]:
        victim = draw(st.sampled_from(CARDS))
        text = CARD_TEXT[victim]
        if draw(st.booleans()):
            return victim, draw(mutated_structure(text)).encode("utf-8")
        return victim, draw(mutated_text(text))

    @settings(max_examples=300)
    @given(damaged())
    def prop(drawn: tuple[Path, bytes]) -> None:
        victim, data = drawn
        folder = scratch.folder("rules")
        write_rules(folder, victim, data)
        try:
            check_book_usable(folder, known_sources)
        except RuleFileError as error:
            event("RuleFileError")
            check_rule_error(error, folder)
        else:
            event("loads")

    run_property(name, prop, at_least=300)


def test_rules_list_maps_a_bad_card_to_exit_2(
    tmp_path: Path,
    kb: KnowledgeBase,
    run_property: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``rules list --rules DIR`` over a damaged card: exit 0, or 2 with ``error: FILE:LINE``."""
    name = "CLI: rules list on mutated cards"
    monkeypatch.setattr(cli_context, "load_knowledge_base", lambda ontology=None: kb)
    scratch = Scratch(tmp_path)

    @settings(max_examples=40)
    @given(
        st.sampled_from(CARDS).flatmap(lambda c: st.tuples(st.just(c), mutated_text(CARD_TEXT[c])))
    )
    def prop(drawn: tuple[Path, bytes]) -> None:
        victim, data = drawn
        folder = scratch.folder("rules")
        write_rules(folder, victim, data)
        result = CliRunner().invoke(cli.main, ["--rules", str(folder), "rules", "list"])
        event(f"exit {result.exit_code}")
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 2), result.output[-2000:]
        if result.exit_code == 2:
            assert result.stderr.startswith(f"error: {folder}{'/'}"), result.stderr
            assert ".yaml:" in result.stderr.split(" ")[1], result.stderr

    run_property(name, prop, at_least=40)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2027-02-30", r"x\.yaml:7: YAML does not parse: '2027-02-30' cannot be read: day is out"),
        ("!!int 'soon'", r"x\.yaml:7: YAML does not parse: 'soon' cannot be read"),
        (
            "2027-05-31 10:00:00",
            r"x\.yaml:1 \[rule TMR-X-Y\]: review_due 2027-05-31 10:00:00 has a",
        ),
        ("\x07", r"x\.yaml:7: YAML does not parse: unacceptable character #x0007"),
    ],
)
def test_unreadable_review_dates_are_rule_file_errors(value: str, message: str) -> None:
    """Regression: an impossible date or a bad explicit tag escaped as ValueError; a date with a
    time loaded, and is_overdue() then failed comparing it with today; a control character was
    reported without a line."""
    text = "id: TMR-X-Y\ntitle: t\nversion: 1.0.0\nstatus: draft\nauthor: a\nreviewer: r\n"
    text += f"review_due: {value}\nrationale: r\nsources: [s]\nscope: option\nwhen: {{}}\n"
    text += "then: {}\ntests: []\n"
    with pytest.raises(RuleFileError, match=message):
        parse_card(text, Path("rules/x.yaml"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"op": ["eq"]}, "unknown operator ['eq']"),
        ({"op": {"eq": 1}}, "unknown operator {'eq': 1"),
    ],
)
def test_unhashable_operator_is_a_rule_file_error(change: dict[str, Any], message: str) -> None:
    """Regression: a list or mapping as operator or severity raised TypeError (unhashable)."""
    data = yaml.safe_load(CARD_TEXT[paths.rules_dir() / "donor_redundant.yaml"])
    data["when"]["all"][0].update(change)
    with pytest.raises(
        RuleFileError, match=r"^rules/x\.yaml:\d+ \[rule TMR-DONOR-REDUNDANT\]"
    ) as error:
        parse_card(yaml.safe_dump(data), Path("rules/x.yaml"))
    assert message in str(error.value)
    data = yaml.safe_load(CARD_TEXT[paths.rules_dir() / "donor_redundant.yaml"])
    data["then"]["severity"] = ["info"]
    with pytest.raises(RuleFileError, match=r"severity \['info'\] is not info"):
        parse_card(yaml.safe_dump(data), Path("rules/x.yaml"))
    data = yaml.safe_load(CARD_TEXT[paths.rules_dir() / "donor_redundant.yaml"])
    data["tests"][0]["facts"] = ["actions_kept"]
    with pytest.raises(RuleFileError, match=r"facts must be a mapping"):
        parse_card(yaml.safe_dump(data), Path("rules/x.yaml"))


def test_card_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    """Regression: a card with bytes that are not UTF-8 stopped loading with UnicodeDecodeError."""
    (tmp_path / "a.yaml").write_bytes(b"id: TMR-X-Y\ntitle: caf\xe9\n")
    with pytest.raises(RuleFileError, match=r"a\.yaml:2: not UTF-8"):
        load_rulebook(tmp_path)


# ------------------------------------------------------------------------------ Turtle

# A small ontology that still exercises the whole loader: the vocabulary, the amputation levels
# and the mini anatomy of tests/fixtures (the framework's 140 kB of sources would make each
# example ~10 times slower without adding parser paths).
TINY = ["tmr.ttl", "anatomy/levels.ttl"]
TARGETS = {
    "mini": FIXTURES / "mini" / "anatomy.ttl",
    "levels": paths.ontology_dir() / "anatomy" / "levels.ttl",
}

TURTLE_DAMAGE = [
    b".",
    b";",
    b",",
    b'"',
    b'"""',
    b"'",
    b"<",
    b">",
    b"<http://a b>",
    b"@prefix",
    b"@prefix : <x> .",
    b"@base <",
    b"PREFIX",
    b"tmr:",
    b"foo:bar",
    b"_:b",
    b"a",
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b"^^",
    b"@en",
    b"@0n",
    b"1.5e",
    b"\\u12",
    b"\\",
    b"#",
    b"\n",
    b"\x00",
    b"?x",
    b"@forAll",
    b"=>",
    b"!",
    b'"x"^^<http://www.w3.org/2001/XMLSchema#integer>',
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    "é→".encode(),
]


@st.composite
def damaged_turtle(draw: st.DrawFn) -> tuple[str, bytes]:
    """One file of the tiny ontology damaged in one to three places, or truncated."""
    which = draw(st.sampled_from(sorted(TARGETS)))
    data = TARGETS[which].read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["truncate", "insert", "delete", "byte", "copy"]))
        if kind == "truncate":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + draw(st.sampled_from(TURTLE_DAMAGE)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)) :]
        elif kind == "byte":
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        else:
            start = draw(st.integers(0, len(data)))
            data = data[:at] + data[start : start + draw(st.integers(1, 60))] + data[at:]
    return which, data


def tiny_ontology(folder: Path, which: str, data: bytes) -> Path:
    """The tiny ontology in ``folder`` with the damaged file; returns that file's path."""
    source = paths.ontology_dir()
    for name in TINY:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / name, folder / name)
    damaged = folder / ("anatomy/mini.ttl" if which == "mini" else "anatomy/levels.ttl")
    damaged.write_bytes(data)
    return damaged


def check_kb_error(error: KnowledgeBaseError, damaged: Path, data: bytes) -> None:
    message = str(error)
    assert error.path == str(damaged), message
    assert error.line is not None, f"no line: {message}"
    assert message.startswith(f"{damaged}:{error.line}: "), message
    assert 1 <= error.line <= data.count(b"\n") + 1, (error.line, message)
    assert "Traceback" not in message


def test_mutated_turtle_loads_or_names_file_and_line(
    tmp_path: Path, run_property: Callable[..., None]
) -> None:
    """Truncated and damaged Turtle: a knowledge base, or KnowledgeBaseError naming the damaged
    file and a line inside it."""
    name = "Turtle: mutated and truncated"
    scratch = Scratch(tmp_path)

    @settings(max_examples=300)
    @given(damaged_turtle())
    def prop(drawn: tuple[str, bytes]) -> None:
        which, data = drawn
        folder = scratch.folder("ontology")
        damaged = tiny_ontology(folder, which, data)
        try:
            kb = load_knowledge_base(folder)
        except KnowledgeBaseError as error:
            event("KnowledgeBaseError")
            check_kb_error(error, damaged, data)
            return
        event("loads")
        assert len(kb.graph) > 0 or not data.strip()

    run_property(name, prop, at_least=300)


def test_turtle_line_counts_characters_not_bytes(tmp_path: Path) -> None:
    """Regression: with accents and arrows before the error, the line was counted in bytes from a
    character offset, and came out too small."""
    lines = ["@prefix tmr: <https://w3id.org/tmrplan#> ."]
    lines += [f'tmr:A{i} tmr:b "é→é→é→é→é→é→é→é→é→é→é→é→é→é→" .' for i in range(20)]
    lines += ["tmr:X tmr:b tmr:c tmr:d .", "tmr:Z tmr:b tmr:c ."]
    (tmp_path / "x.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"x\.ttl:22: "):
        load_knowledge_base(tmp_path)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (b'@prefix tmr: <https://w3id.org/tmrplan#> .\ntmr:A tmr:b "abc', 2),  # cut in a string
        (b"@prefix tmr: <https://w3id.org/tmrplan#> .\ntmr:A tmr:b\n  tmr:", 3),  # cut in a name
        (b'<a> <b> "x" .\n<a> <b> "\\u12" .\n', 2),  # a short \u escape
        (b"<a> <b> <c> .\n\n<a> <b> ?x .\n", 3),  # an N3 variable
        (b'<a> <b> "x" .\n<a> <b> "x"@0n .\n', 2),  # a bad language tag
        (b'<a> <b> "x" .\n<a> <b> "\xff" .\n', 2),  # not UTF-8
        (b'<a> <b> "x" .\n@prefix s: <""http://x#> .\n<a> s:b "x" .\n', 2),  # quote in an IRI
        (b"<a> <b> <c> .\n\n<a> <b> <c d> .\n", 3),  # a space in an IRI
        (b"<a> <b> <c> .\n<a> <b> <c\\u12> .\n", 2),  # a short \u escape in an IRI
    ],
)
def test_parser_crashes_become_located_errors(tmp_path: Path, text: bytes, line: int) -> None:
    """Regression: rdflib fails on these with AssertionError, IndexError, AttributeError or
    ValueError (or a decode error without a line), or keeps an IRI it cannot write back (export
    then failed); each is a KnowledgeBaseError with the line."""
    (tmp_path / "x.ttl").write_bytes(text)
    with pytest.raises(KnowledgeBaseError, match=rf"x\.ttl:{line}: "):
        load_knowledge_base(tmp_path)


# ------------------------------------------------------------------------------ export --output


def test_export_output_is_whole_or_untouched(
    tmp_path: Path, run_property: Callable[..., None]
) -> None:
    """``export --ontology DIR --output FILE`` over damaged Turtle or into a missing folder: a
    failing run leaves the old file as it was (or none) and no temporary; a passing one leaves a
    file that parses."""
    name = "CLI: export --output"
    scratch = Scratch(tmp_path)

    @settings(max_examples=40)
    @given(
        drawn=damaged_turtle(),
        fmt=st.sampled_from(["ttl", "jsonld"]),
        previous=st.one_of(st.none(), st.binary(max_size=40)),
        missing_folder=st.booleans(),
    )
    def prop(
        drawn: tuple[str, bytes], fmt: str, previous: bytes | None, missing_folder: bool
    ) -> None:
        folder = scratch.folder("run")
        tiny_ontology(folder / "ontology", *drawn)
        out = folder / "out"
        out.mkdir()
        target = (out / "missing" if missing_folder else out) / f"kb.{fmt}"
        if previous is not None and not missing_folder:
            target.write_bytes(previous)
        before = sorted(p.name for p in out.rglob("*"))
        args = ["--ontology", str(folder / "ontology"), "export", "--format", fmt]
        result = CliRunner().invoke(cli.main, [*args, "--output", str(target)])
        event(f"exit {result.exit_code}")
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 2), result.output[-2000:]
        if result.exit_code == 0:
            assert not missing_folder
            Graph().parse(target, format="turtle" if fmt == "ttl" else "json-ld")
            assert sorted(p.name for p in out.rglob("*")) == sorted({*before, target.name})
        else:
            assert result.stderr.startswith("error: "), result.stderr
            assert sorted(p.name for p in out.rglob("*")) == before, "a file was written"
            if previous is not None and not missing_folder:
                assert target.read_bytes() == previous

    run_property(name, prop, at_least=40)
