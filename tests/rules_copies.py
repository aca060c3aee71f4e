"""A private copy of the shipped rules with chosen cards put in review (drafts may not be
approved): the folder a governance test writes its ledger and signers file in."""

from __future__ import annotations

import shutil
from pathlib import Path

from tmrplan import paths


def rules_in_review(target: Path, *cards: str) -> Path:
    """``target/rules``, a copy of the shipped rules, with each card file of ``cards`` (e.g.
    ``risk_none.yaml``) set from draft to in review."""
    folder = Path(shutil.copytree(paths.rules_dir(), target / "rules"))
    for name in cards:
        card = folder / name
        card.write_text(card.read_text().replace("status: draft", "status: in_review"))
    return folder
