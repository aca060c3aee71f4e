"""``tmrplan plan``: one case from options, or a JSONL batch, to a plan in any format."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from tmrplan.cli.context import EXIT_BAD_INPUT, Context, emit
from tmrplan.errors import (
    AmbiguousNameError,
    InvalidCaseError,
    UnknownEntityError,
)
from tmrplan.files import open_regular_file, size_limit, too_large
from tmrplan.model import CONTEXT_FIELDS, Case, Plan, check_context, parse_case
from tmrplan.planning.donor_loss import option_loss
from tmrplan.render import markdown
from tmrplan.render.plan import exact_matches, to_json_dict
from tmrplan.render.plan import to_text as to_plan_text
from tmrplan.render.plan_report import to_markdown
from tmrplan.text import suggest, to_short_repr

if TYPE_CHECKING:
    from tmrplan.planning.planner import Planner


@click.command()
@click.option("--nerve", "nerves", multiple=True, help="Neuroma nerve (repeat for several).")
@click.option(
    "--level",
    type=str,
    help="Amputation level: id, name or synonym (transfemoral, AKA, above knee); 'none' for an intact limb.",
)
@click.option(
    "--region", type=str, default=None, help="Region of the neuroma, id or name (intact limb only)."
)
@click.option("--side", type=click.Choice(["left", "right"]), default=None)
@click.option(
    "--position",
    type=str,
    default=None,
    help="Intact limb only: the third of the region (proximal, middle, distal).",
)
@click.option(
    "--digits",
    type=str,
    default=None,
    metavar="LIST",
    help="Hand levels: the digits amputated, comma-separated (thumb, index, middle, ring, little).",
)
@click.option(
    "--toes",
    type=str,
    default=None,
    metavar="LIST",
    help="Foot levels: the toes amputated, comma-separated (hallux, second, third, fourth, fifth).",
)
@click.option(
    "--through",
    type=str,
    default=None,
    help="Where the digits or toes were amputated: hand dip, pip, mcp, metacarpal, cmc; "
    "foot ip, mtp, metatarsal, lisfranc, chopart.",
)
@click.option(
    "--residual",
    type=str,
    default=None,
    help="Trans-segment levels: residual limb length (short, mid, long); not given = mid, "
    "listed as an unknown.",
)
@click.option(
    "--context",
    "context_items",
    multiple=True,
    metavar="KEY=yes|no",
    help=f"Case context: {', '.join(CONTEXT_FIELDS)}.",
)
@click.option("--allow-shared-targets", is_flag=True, help="Let two nerves share one target.")
@click.option(
    "--cases",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Batch: one JSON case per line.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "md", "jsonl", "pdf", "fhir"]),
    default="text",
    help="fhir: a FHIR R4 Bundle (RequestGroup of the options, Provenance, the rule set as a "
    "Library) for one case.",
)
@click.option(
    "--all", "show_all", is_flag=True, help="Text format: list every option, not the first 8."
)
@click.option(
    "--audience",
    type=click.Choice(["surgeon", "patient"]),
    default="surgeon",
    help="surgeon: the plan with its basis; patient: an information sheet in plain words "
    "(--format md or pdf).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the plan to this file (atomically) instead of standard output; needed for pdf.",
)
@click.pass_obj
def plan(
    obj: Context,
    nerves: tuple[str, ...],
    level: str | None,
    region: str | None,
    side: str | None,
    position: str | None,
    digits: str | None,
    toes: str | None,
    through: str | None,
    residual: str | None,
    context_items: tuple[str, ...],
    allow_shared_targets: bool,
    cases: Path | None,
    fmt: str,
    show_all: bool,
    audience: str,
    output: Path | None,
) -> None:
    """Plan TMR options for one case, or for every line of a JSONL batch."""
    # Checked before the knowledge base loads, so a wrong call fails at once.
    if cases is not None and (fmt in ("pdf", "fhir") or output is not None):
        raise click.UsageError(
            "--cases writes one JSON line per case to standard output; "
            "--format pdf, --format fhir and --output are for a single case"
        )
    if audience == "patient" and fmt not in ("md", "pdf"):
        raise click.UsageError("--audience patient writes a sheet as --format md or pdf")
    if fmt == "pdf" and output is None:
        raise click.UsageError(
            "--format pdf needs --output FILE.pdf: a PDF is not written to the terminal"
        )
    planner = obj.planner
    if cases is not None:
        _plan_batch(planner, cases)
        return
    if not nerves or not level:
        raise InvalidCaseError("plan needs --nerve and --level (or --cases FILE.jsonl)")
    case = Case(
        tuple(nerves),
        level,
        region,
        side,
        parse_context(context_items),
        allow_shared_targets,
        position,
        digits=split_list(digits),
        toes=split_list(toes),
        through=through,
        residual=residual,
    )
    result = planner.plan(case)
    if audience == "patient":
        emit(_patient_sheet(planner, result, fmt), output)
        return
    data: str | bytes
    if fmt == "pdf":
        # Imported here: fpdf2 and matplotlib add ~0.6 s to start-up; only PDF exports pay it.
        from tmrplan.render.figures import loss_figure, to_png
        from tmrplan.render.pdf import plan_to_pdf

        data = plan_to_pdf(
            result,
            dt.date.today(),
            lost=partial(option_loss, planner.index, case),
            picture=lambda o, losses: to_png(
                loss_figure(o.donor_nerve.label, o.target_muscle.label, losses)
            ),
        )
    elif fmt in ("json", "jsonl"):
        indent = None if fmt == "jsonl" else 2
        linked = to_json_dict(result, codes=exact_matches(planner.kb))
        data = json.dumps(linked, indent=indent, ensure_ascii=False) + "\n"
    elif fmt == "fhir":
        from tmrplan.render.fhir import to_fhir_bundle

        made = dt.datetime.now(dt.UTC).replace(microsecond=0)
        bundle = to_fhir_bundle(to_json_dict(result, codes=exact_matches(planner.kb)), made)
        data = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "md":
        data = to_markdown(result, lost=partial(option_loss, planner.index, case)) + "\n"
    else:
        data = to_plan_text(result, None if show_all else 8)
    emit(data, output)


def _patient_sheet(planner: Planner, plan: Plan, fmt: str) -> str | bytes:
    """The patient information sheet of a plan, in Markdown or PDF."""
    from tmrplan.render.patient_sheet import patient_document

    document = patient_document(
        plan,
        planner.about_tmr,
        lost=partial(option_loss, planner.index, plan.case),
        exported_on=dt.date.today(),
    )
    if fmt == "pdf":
        from tmrplan.render.pdf import to_pdf

        return to_pdf(document)
    return markdown.to_markdown(document) + "\n"


def split_list(value: str | None) -> tuple[str, ...]:
    """``index,middle`` (or ``index, middle``) to ``("index", "middle")``; None to ``()``."""
    if value is None:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_context(items: tuple[str, ...]) -> dict[str, bool]:
    """``KEY=yes|no`` pairs to a context dict, checked by :func:`tmrplan.model.check_context`
    like a case from JSON or the API.

    Raises:
        InvalidCaseError: for a malformed pair.
        UnknownEntityError: for an unknown key (with close matches).

    Example:
        >>> parse_context(("anticoagulants=yes", "strength_needs=No"))
        {'anticoagulants': True, 'strength_needs': False}
    """
    context: dict[str, bool] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or value.lower() not in {"yes", "no", "true", "false"}:
            raise InvalidCaseError(
                f"context {to_short_repr(item)} must look like KEY=yes or KEY=no"
            )
        context[key] = value.lower() in {"yes", "true"}
    return check_context(context)


def _plan_batch(planner: Planner, cases: Path) -> None:
    """One plan per input line; a bad line is reported with its number and the rest still run.

    Each plan line starts with the input's ``line`` number and, when the case gave one, the
    caller's ``id``; an error line names both too.
    """
    failures = 0
    limit = size_limit("batch line")
    codes = exact_matches(planner.kb)  # once for the batch, not per line
    with open_regular_file(cases) as handle:
        try:
            for number, raw in enumerate(_batch_lines(handle, limit), 1):
                failures += not _plan_line(planner, codes, cases, number, raw, limit)
        except OSError as exc:
            raise InvalidCaseError(f"cannot read {str(cases)!r}: {exc.strerror}") from exc
    if failures:
        sys.exit(EXIT_BAD_INPUT)


def _batch_lines(handle: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """The lines of a batch without their newline, read one by one; None for a line longer
    than ``limit`` bytes (skipped, not held).

    Split on newline only and decoded line by line (by the caller): str.splitlines also breaks
    at U+2028, U+0085 and other separators that JSON strings may hold raw, and one line that is
    not UTF-8 must be reported on its own while the rest of the batch runs.
    """
    while raw := handle.readline(limit + 1):
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := handle.readline(_SKIP)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield raw.removesuffix(b"\n")


_SKIP = 1 << 16  # the rest of an over-long line is read past in pieces of this size
_BOM = b"\xef\xbb\xbf"
_CASE_FIELDS = frozenset(f.name for f in dataclasses.fields(Case))
# A caller's id is echoed on every line its case gives, so it is kept short.
_ID_LIMIT = 200


class _DuplicateKey(Exception):
    """A JSON object names one key twice (``json`` would silently keep the last)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object's pairs as a dict, refusing a key given twice."""
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _plan_line(
    planner: Planner,
    codes: Mapping[str, Sequence[str]],
    cases: Path,
    number: int,
    raw: bytes | None,
    limit: int,
) -> bool:
    """Plan one batch line and print its plan (True), or report why it cannot be (False)."""
    at = f"{cases}:{number}"
    if raw is None:
        click.echo(f"error: {at}: {too_large('batch line', limit)}", err=True)
        return False
    skipped = 0
    if number == 1 and raw.startswith(_BOM):  # a byte-order mark, as some editors write
        raw, skipped = raw[len(_BOM) :], len(_BOM)
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        click.echo(f"error: {at}: not UTF-8 at byte {exc.start + 1 + skipped}", err=True)
        return False
    if not line.strip():
        return True
    try:
        data = json.loads(line, object_pairs_hook=_pairs)
    except _DuplicateKey as exc:
        message = f"not JSON: duplicate key {to_short_repr(exc.key)}"
    except json.JSONDecodeError as exc:
        message = f"not JSON: {exc.msg}"
    except RecursionError:
        message = "not JSON: nested too deeply"
    except ValueError as exc:  # a number longer than int()'s digit limit
        message = f"not JSON: {str(exc).split(':')[0]}"
    else:
        caller_id = None
        try:
            caller_id = _caller_id(data)
            case = parse_case(_known_fields(data))
            record = {"line": number} | ({} if caller_id is None else {"id": caller_id})
            record |= to_json_dict(planner.plan(case), codes=codes)
        except (UnknownEntityError, AmbiguousNameError, InvalidCaseError) as exc:
            if caller_id is not None:
                at = f"{at}: id {json.dumps(caller_id, ensure_ascii=False)}"
            message = str(exc)
        else:
            click.echo(json.dumps(record, ensure_ascii=False))
            return True
    click.echo(f"error: {at}: {message}", err=True)
    return False


def _caller_id(data: object) -> str | int | None:
    """A batch case's own ``id`` (text or a whole number), taken out of ``data``; None if it has
    none.

    Raises:
        InvalidCaseError: for an id of another type or longer than 200 characters.
    """
    if not isinstance(data, dict) or "id" not in data:
        return None
    value = data.pop("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidCaseError(f"id must be text or a whole number, not {to_short_repr(value)}")
    if len(str(value)) > _ID_LIMIT:
        raise InvalidCaseError(
            f"id {to_short_repr(value)} is too long: ids are at most {_ID_LIMIT} characters"
        )
    return value


def _known_fields(data: object) -> object:
    """``data`` if it names only case fields; else an error naming the unknown ones, cut short
    (a field name may be a pasted page), with the close match of the first.

    Raises:
        InvalidCaseError: for an unknown field.
    """
    if not isinstance(data, dict):
        return data
    unknown = sorted(k for k in data if k not in _CASE_FIELDS)
    if not unknown:
        return data
    shown = ", ".join(to_short_repr(k) for k in unknown[:3])
    more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
    close = suggest(unknown[0], sorted(_CASE_FIELDS | {"id"})) if len(unknown[0]) <= 60 else []
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise InvalidCaseError(f"unknown field(s) {shown}{more}{hint}")
