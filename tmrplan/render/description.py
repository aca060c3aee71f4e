"""An entity's description (``tmrplan.knowledge.describe.describe``) as a document: the
``tmrplan show`` view, drawn by the text backend."""

from __future__ import annotations

from typing import Any

from tmrplan.render import text
from tmrplan.render.document import Bullets, Document, Inline, Item, Paragraph, Span, cite, spans

# Shown first (label, synonyms, note) or last (evidence and its sources), not in the loop.
_PLACED = {"id", "label", "type", "alt_labels", "comment", "sources", "evidence_basis"}


def description_document(data: dict[str, Any]) -> Document:
    """The description as a title line and indented ``field: value`` lines, with paths, actions
    and sources nested under their field.

    Example:
        >>> data = {"id": "X", "label": "x nerve", "type": "MixedNerve", "sources": [],
        ...         "evidence_basis": "general anatomy text"}
        >>> description_document(data).title
        'x nerve'
    """
    items: list[Item] = []
    if data.get("alt_labels"):
        items.append(_field("also", ", ".join(data["alt_labels"])))
    if data.get("comment"):
        items.append(_field("note", data["comment"]))
    for key, value in data.items():
        if key in _PLACED or not value:
            continue
        title = key.replace("_", " ")
        if key == "innervated_by":
            items.append(_listed(title, [spans(" → ".join(n["path"])) for n in value], "-"))
        elif key == "actions":
            items.append(_listed(title, [spans(f"{a['label']} ({a['role']})") for a in value], "-"))
        elif key == "path":
            items.append(_field(title, " → ".join(value)))
        elif key == "relations":
            items += [
                _field(rel, ", ".join(r["label"] for r in refs)) for rel, refs in value.items()
            ]
        elif isinstance(value, list):
            items.append(
                _field(
                    title, ", ".join(v["label"] if isinstance(v, dict) else str(v) for v in value)
                )
            )
        else:
            items.append(_field(title, str(value)))
    sources = [tuple(cite(s, details=[s.get("kind", "")])) for s in data["sources"]]
    evidence = _field("evidence", data["evidence_basis"])
    items.append(Item(evidence.spans, Bullets(tuple(Item(s) for s in sources), marker="·")))
    heading = Paragraph(spans(f"{data['label']}  [{data['type']}; {data['id']}]"))
    return Document(data["label"], (heading, Bullets(tuple(items), marker="")))


def description_to_text(data: dict[str, Any]) -> str:
    """The description as indented plain text (no final newline, as ``click.echo`` adds one).

    Example:
        >>> data = {"id": "X", "label": "x nerve", "type": "MixedNerve", "path": ["x", "C5 root"],
        ...         "sources": [], "evidence_basis": "general anatomy text"}
        >>> print(description_to_text(data))
        x nerve  [MixedNerve; X]
          path: x → C5 root
          evidence: general anatomy text
    """
    return text.to_text(description_document(data)).rstrip("\n")


def _field(title: str, value: str) -> Item:
    return Item((Span(f"{title}: {value}"),))


def _listed(title: str, lines: list[Inline], marker: str) -> Item:
    return Item((Span(f"{title}:"),), Bullets(tuple(Item(line) for line in lines), marker=marker))
