"""YAML with the line of every mapping, for cards whose errors must name their line.

Shared by the rule cards and the ranking card.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

# Cards longer than this are read by the pure-Python parser: libyaml recurses on the C stack
# and a deeply nested file (tens of thousands of levels) crashes the process instead of
# raising. A card is about 1 kB; this many characters cannot nest deep enough to matter.
_C_PARSER_LIMIT = 8_000
# A longer card (the ranking card is about 12 kB) goes to libyaml too when its flow collections
# ([ and {) nest no deeper than this: block nesting needs a deeper-indented line per level, so a
# text of this size cannot nest deep by indentation alone.
_C_FLOW_DEPTH_LIMIT = 100
# A rule card nests 4 deep and the ranking card 6. Deeper is refused before anything is built:
# PyYAML's composer and constructor recurse once or more per level (a RecursionError past a
# few hundred), and so do the schema check and the content hash after them.
MAX_NESTING = 32
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class CardShapeError(yaml.MarkedYAMLError):
    """YAML that parses but is refused in a card: an anchor or alias (``&x``, ``*x``: nine
    nested aliases expand to gigabytes), or nesting deeper than :data:`MAX_NESTING`."""


class _ReadableValues(yaml.constructor.SafeConstructor):
    """Values PyYAML cannot build are YAML errors with the node's line, not bare ValueErrors."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors raise a bare ValueError for "2027-02-30", ``!!int 'x'`` or a
        # number past int()'s digit limit.
        try:
            return super().construct_object(node, deep)
        except ValueError as exc:
            shown = repr(node.value)
            shown = shown if len(shown) <= 60 else f"{shown[:59]}…"
            why = str(exc).split(":")[0]  # not int()'s advice to call sys.set_int_max_str_digits
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} cannot be read: {why}", node.start_mark
            ) from exc


class _LineLoader(_ReadableValues, yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping, for error messages."""


class _FastLineLoader(_ReadableValues, yaml.CSafeLoader):
    """The same loader over libyaml's parser: ten times faster, same nodes and marks."""


def _construct_mapping(
    loader: yaml.SafeLoader | yaml.CSafeLoader, node: yaml.MappingNode
) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_FastLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str) -> Any:
    """The card's YAML with ``__line__`` in every mapping.

    libyaml reads it; a text it refuses is read again by the pure-Python parser, whose errors
    (problem, line, reader positions in characters) are the ones the messages are made from.

    Raises:
        CardShapeError: at the first anchor or alias, or where the text nests too deep.
        yaml.YAMLError: if the text does not parse.
    """
    _check_shape(text)
    if len(text) <= _C_PARSER_LIMIT or _flow_depth(text) <= _C_FLOW_DEPTH_LIMIT:
        try:
            return yaml.load(text, Loader=_FastLineLoader)
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_LineLoader)


def _check_shape(text: str) -> None:
    """Refuse anchors, aliases and deep nesting from the parser's events, before any node is
    composed: events come one at a time from a loop, not a recursion, so a text is read only up
    to its first fault. A text that does not parse is left to the loaders, whose messages have
    the line."""
    depth = 0
    loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    try:
        for event in yaml.parse(text, Loader=loader):
            anchor: str | None = getattr(event, "anchor", None)
            mark: Any = event.start_mark  # libyaml's marks have the same fields
            if anchor is not None:
                sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
                raise CardShapeError(
                    None,
                    None,
                    f"{sign}{anchor[:40]}: anchors and aliases are not allowed in a card "
                    "(write each value out)",
                    mark,
                )
            if isinstance(event, _OPENS):
                depth += 1
                if depth > MAX_NESTING:
                    raise CardShapeError(None, None, f"nested more than {MAX_NESTING} deep", mark)
            elif isinstance(event, _CLOSES):
                depth -= 1
    except CardShapeError:
        raise
    except yaml.YAMLError:
        return


def _flow_depth(text: str) -> int:
    """How deep [ and { nest, counting every bracket (quoted ones too: an over-count only sends
    the text to the slower parser)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def canonical_yaml(value: Any) -> str:
    """A card's meaning as text (keys sorted), the input of its content hash: what an approval is
    of. libyaml's emitter when PyYAML has it (five times faster at start-up); it writes what the
    pure-Python one writes for every shipped card (tests/rules/test_yaml_lines.py)."""
    dumper = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper
    return yaml.dump(value, Dumper=dumper, sort_keys=True)


def strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
