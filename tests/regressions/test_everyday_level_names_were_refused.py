"""Everyday names of levels and regions were refused outside the app.

What was wrong: ``tmrplan plan --level AKA`` said "unknown level 'AKA'" with no suggestion,
although the knowledge base names transfemoral amputation "AKA" and the app's level picker finds
it; the same for "BKA", "above elbow", "finger" and a region given by its name ("lower leg").

How found: issue 16 ("everyday names refused"), tried on the command line before resolving.

What changed: the planner reads a level or region by its id, label or synonym (case, hyphens and
a trailing "amputation" ignored) and plans the case in ids, so every output names the place one
way; a name two places share is never guessed, and an unknown one suggests names with their ids.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tmrplan.cli import main


def plan_json(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["plan", *args, "--format", "json"])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("typed", "level", "nerve"),
    [
        ("AKA", "transfemoral", "sciatic nerve"),
        ("above-knee amputation", "transfemoral", "sciatic nerve"),
        ("BKA", "transtibial", "tibial nerve"),
        ("above elbow", "transhumeral", "median nerve"),
        ("Below-Elbow", "transradial", "median nerve"),
        ("Syme", "ankle_disarticulation", "tibial nerve"),
        ("finger", "digit", "radial proper palmar digital nerve of the index finger"),
        ("shoulder disarticulation", "shoulder_disarticulation", "median nerve"),
    ],
)
def test_a_level_is_planned_by_the_name_surgeons_use(typed: str, level: str, nerve: str) -> None:
    code, out = plan_json("--nerve", nerve, "--level", typed)
    assert code == 0, out
    assert json.loads(out)["case"]["level"] == level


def test_a_region_by_its_name_and_the_intact_limb_in_words() -> None:
    code, out = plan_json(
        "--nerve", "sural nerve", "--level", "intact limb", "--region", "lower leg"
    )
    assert code == 0, out
    case = json.loads(out)["case"]
    assert (case["level"], case["region"]) == ("none", "leg")


def test_an_unknown_name_suggests_places_with_their_ids() -> None:
    code, out = plan_json("--nerve", "sciatic nerve", "--level", "abov knee")
    assert code == 2
    assert "unknown level 'abov knee'" in out and "above knee (transfemoral)" in out
    assert "Traceback" not in out


def test_the_report_of_what_is_lost_reads_the_name_too() -> None:
    """The report's "what is lost" reads the site from the case as typed (it failed for PDF and
    Markdown while JSON planned)."""
    args = ["plan", "--nerve", "median nerve", "--level", "above elbow", "--format", "md"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "transhumeral amputation" in result.output
