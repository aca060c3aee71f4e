"""The card YAML helpers: the canonical text an approval's hash is of, and which parser reads a card."""

from __future__ import annotations

import contextlib

import yaml

from tmrplan import paths
from tmrplan.rules.yaml_lines import _flow_depth, canonical_yaml, load_yaml, strip_lines


def test_the_fast_canonical_text_is_the_pure_python_one_for_every_shipped_card() -> None:
    # A card's content hash (what an approval is of) must not change with the emitter used.
    for path in sorted(paths.rules_dir().glob("*.yaml")):
        data = strip_lines(load_yaml(path.read_text(encoding="utf-8")))
        assert canonical_yaml(data) == yaml.safe_dump(data, sort_keys=True), path.name


def test_a_long_card_nested_deep_in_flow_goes_to_the_pure_python_parser() -> None:
    deep = "x: " + "[" * 5_000 + "]" * 5_000 + "\n"
    assert len(deep) > 8_000 and _flow_depth(deep) == 5_000
    with contextlib.suppress(yaml.YAMLError, RecursionError):
        load_yaml(deep)  # refused or read, but never a crash of the process
    assert _flow_depth(paths.rules_dir().joinpath("ranking.yaml").read_text()) <= 100
