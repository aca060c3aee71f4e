"""The structure of a rule card as JSON Schema (``rules/card.schema.json``), checked once per card text.

The schema is the program's, shipped beside the cards so that editors can validate cards as
authors type; :mod:`tmrplan.rules.cards` checks the meaning (facts, operators, sources, tests).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from tmrplan import paths
from tmrplan.rules.facts import FACTS

SCHEMA_FILE = "card.schema.json"
# Operator → (durable-rules operator, words for reviewers). "eq" compiles to plain equality.
OPERATORS: dict[str, tuple[str | None, str]] = {
    "eq": (None, "is"),
    "ne": ("$neq", "is not"),
    "gt": ("$gt", "is more than"),
    "ge": ("$gte", "is at least"),
    "lt": ("$lt", "is less than"),
    "le": ("$lte", "is at most"),
    "exists": ("$ex", "is known"),
}


@functools.cache
def card_schema() -> dict[str, Any]:
    """The JSON Schema of a card's structure, shipped beside the cards (``card.schema.json``).

    Example:
        >>> card_schema()["$schema"]
        'https://json-schema.org/draft/2020-12/schema'
    """
    schema: dict[str, Any] = json.loads((_shipped_rules() / SCHEMA_FILE).read_text("utf-8"))
    return schema


def _shipped_rules() -> Path:
    # The schema is the program's, not the rules folder's: TMRPLAN_RULES may name a folder of
    # cards only, so the shipped folder is read even when another one is loaded.
    return paths._data_dir("rules")


REQUIRED: tuple[str, ...] = tuple(card_schema()["required"])
"""The fields every card has, in the schema's order."""


@functools.cache
def _validator() -> Any:
    # Imported here: jsonschema and its metaschemas cost ~0.15 s of start-up.
    import jsonschema

    return jsonschema.Draft202012Validator(
        card_schema(), format_checker=jsonschema.FormatChecker(["date"])
    )


def _as_json(value: Any, top: bool = True) -> Any:
    """The card as JSON sees it: ``__line__`` gone, and the review date (a YAML date) as the
    ISO text an editor's YAML reader gives; a datetime keeps its time and fails the schema."""
    if isinstance(value, dict):
        return {
            k: (v.isoformat() if top and k == "review_due" and isinstance(v, dt.date) else
                _as_json(v, False))
            for k, v in value.items()
            if k != "__line__"
        }  # fmt: skip
    if isinstance(value, list):
        return [_as_json(v, False) for v in value]
    return value


def check_structure(data: dict[str, Any], fail: Any) -> None:
    """Refuse the first structural fault the schema finds, in the words of the old messages,
    at the line of the innermost mapping around it."""
    errors = list(_validator().iter_errors(_as_json(data)))
    if not errors:
        return
    order = list(card_schema()["properties"])

    def rank(error: Any) -> tuple[int, int, int]:
        path = list(error.absolute_path)
        if not path:  # unknown, then missing fields first: the rest may follow from them
            return (0 if error.validator == "additionalProperties" else 1, 0, 0)
        top = order.index(path[0]) if path[0] in order else len(order)
        return (2, top, len(path))

    error = min(errors, key=rank)
    path = list(error.absolute_path)
    node: Any = data
    innermost: dict[str, Any] = data
    for step in path:
        node = node[step]
        if isinstance(node, dict):
            innermost = node
    if isinstance(node, dict) and error.validator in ("additionalProperties", "required"):
        innermost = node
    raise fail(_structure_message(error, path, node, data), innermost)


def _structure_message(error: Any, path: list[Any], value: Any, data: dict[str, Any]) -> str:
    """A schema error in the card author's terms."""
    names = [p for p in path if isinstance(p, str)]
    key = names[-1] if names else ""
    schema = error.schema
    if not path:
        if error.validator == "additionalProperties":
            unknown = sorted(set(data) - set(schema["properties"]) - {"__line__"})
            return f"unknown field(s) {', '.join(map(repr, unknown))}"
        missing = [k for k in schema["required"] if k not in data]
        return f"missing field(s) {', '.join(map(repr, missing))}"
    if len(path) == 1:
        if key == "id":
            return f"id {value!r} must look like 'TMR-DONOR-REDUNDANT'"
        if key == "version":
            return f"version {str(value)!r} is not semantic (MAJOR.MINOR.PATCH)"
        if key in ("status", "scope"):
            return f"{key} {value!r} is not one of {', '.join(schema['enum'])}"
        if key == "review_due":
            if isinstance(value, dt.datetime):
                return f"review_due {value} has a time of day; give the date only (YYYY-MM-DD)"
            return f"review_due {value!r} is not a date (YYYY-MM-DD)"
        if key == "sources":
            return "sources must be a non-empty list of source ids"
        if key == "when":
            return "when must hold exactly one of 'all' or 'any'"
        if key == "then":
            return "then must have exactly code, severity and message"
        if key == "tests":
            return "tests must be a non-empty list"
        return f"{key} must be non-empty text"
    part = path[0]
    if part == "sources":
        return "sources must be a non-empty list of source ids"
    if part == "when":
        match = path[1]
        if len(path) == 1 + 1:
            if match not in ("all", "any"):
                return f"when.{match} is not 'all' or 'any'"
            return f"when.{match} must be a non-empty list of conditions"
        if len(path) == 3 or error.validator == "additionalProperties":
            return "a condition has fact, op and value"
        if key == "op":
            return f"unknown operator {value!r}; use one of {', '.join(OPERATORS)}"
        return f"unknown fact {value!r}; known facts: {', '.join(sorted(FACTS))}"
    if part == "then":
        if key == "severity":
            return f"severity {value!r} is not info, caution or warning"
        if key == "message" and isinstance(value, str):
            return f"message is {len(value)} characters; the limit is {schema['maxLength']}"
        return f"then.{key} must be text"
    # tests
    test = data["tests"][path[1]]
    if len(path) == 2 or error.validator in ("additionalProperties", "required"):
        return "a test has name, facts and expect"
    if key == "expect":
        return f"expect {value!r} is not 'fire' or 'no_fire'"
    if key == "facts":
        return f"test {test['name']!r}: facts must be a mapping of fact: value"
    return f"test {test.get('name')!r}: its name must be text"


def schema_stamp() -> Path:
    """Where cards that passed this schema are remembered: the JSON Schema check (and the
    jsonschema import, ~0.1 s) runs once per card text, not in every process. The folder is
    named after the schema's hash, so a new schema re-checks every card; a stamp is an empty
    file named after the card text's hash, so an edited card is checked again."""
    schema = (_shipped_rules() / SCHEMA_FILE).read_bytes()
    return paths.validation_stamps() / f"card-schema-{hashlib.sha256(schema).hexdigest()[:16]}"


def remember(stamps: list[Path]) -> None:
    try:
        for stamp in stamps:
            if not stamp.is_file():
                stamp.parent.mkdir(parents=True, exist_ok=True)
                stamp.touch()
    except OSError:
        pass  # a read-only cache only costs a schema check next time
