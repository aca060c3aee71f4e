"""The table of docs/ican_comparison.md, from the live planner: ICAN's hand targets (as issue 13
states them) beside tmrplan's first three options for the same digit, nerve and level.

    python scripts/ican_comparison.py          # print the table
    python scripts/ican_comparison.py --write  # replace the table in docs/ican_comparison.md

tests/scripts/test_ican_comparison.py checks that the document holds what this prints, so the
comparison cannot drift from the tool.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tmrplan.model import Case
from tmrplan.planning.planner import Planner, load_planner

DOC = Path(__file__).resolve().parent.parent / "docs" / "ican_comparison.md"
START, END = "<!-- table: scripts/ican_comparison.py -->", "<!-- end of table -->"

# ICAN's targets by digit (issue 13: thumb → thenar, index → first dorsal interosseous, small
# finger → hypothenar), as the motor branches of the knowledge base.
ICAN = {
    "thumb": (
        "thenar",
        {
            "BranchToAbductorPollicisBrevis",
            "BranchToFlexorPollicisBrevisSuperficialHead",
            "BranchToOpponensPollicis",
        },
    ),
    "index": ("first dorsal interosseous", {"BranchToFirstDorsalInterosseousOfHand"}),
    "little": (
        "hypothenar",
        {
            "BranchToAbductorDigitiMinimiOfHand",
            "BranchToFlexorDigitiMinimiBrevisOfHand",
            "BranchToOpponensDigitiMinimi",
        },
    ),
}
NERVES = {
    "thumb": "radial proper palmar digital nerve of the thumb",
    "index": "radial proper palmar digital nerve of the index finger",
    "little": "ulnar proper palmar digital nerve of the little finger",
}
LEVELS = [
    ("DIP (thumb: IP)", "dip"),
    ("PIP", "pip"),
    ("MCP", "mcp"),
    ("ray (metacarpal)", "metacarpal"),
    ("CMC", "cmc"),
]


def rows(planner: Planner) -> list[str]:
    """One Markdown row per digit and level, and the thumb-sparing transmetacarpal hand."""
    cases = [
        (
            digit,
            "IP" if digit == "thumb" and through == "dip" else words,
            Case((NERVES[digit],), "digit", digits=(digit,), through=through),
        )
        for digit in ICAN
        for words, through in LEVELS
        if not (digit == "thumb" and through == "pip")
    ]
    sparing = ("index", "middle", "ring", "little")
    cases += [
        (
            digit,
            "transmetacarpal, thumb spared",
            Case((NERVES[digit],), "partial_hand", digits=sparing, through="metacarpal"),
        )
        for digit in ("index", "little")
    ]
    out = []
    for digit, words, case in cases:
        options = planner.plan(case).nerves[0].options
        target, branches = ICAN[digit]
        first = "; ".join(
            f"{o.rank} {o.target_muscle.label} ({o.donor_status.value})" for o in options[:3]
        )
        ranks = [o.rank for o in options if o.donor_nerve.id in branches]
        best = min(ranks) if ranks else None
        tied_first = best is not None and (
            best == 1 or 1 in next(o for o in options if o.rank == best).tied_with
        )
        verdict = "agrees" if tied_first else "differs" if best is None or best > 3 else "top three"
        out.append(
            f"| {digit} | {words} | {target} | {first} | {best or 'not offered'} | {verdict} |"
        )
    return out


def table(planner: Planner) -> str:
    head = [
        "| digit | level | ICAN (issue 13) | tmrplan first three (donor status) | best rank of the ICAN target | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    return "\n".join([START, *head, *rows(planner), END])


def main() -> None:
    text = table(load_planner())
    if "--write" in sys.argv:
        doc = DOC.read_text(encoding="utf-8")
        before, _, rest = doc.partition(START)
        _, _, after = rest.partition(END)
        DOC.write_text(before + text + after, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
