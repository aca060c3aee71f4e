"""``search --limit -5`` returned all but five hits (a negative slice), a huge ``--limit`` was
an OverflowError traceback from rapidfuzz, and a 100,000-character query was searched in full
(38 s in the red-team run) and then echoed whole in "no match for …". Found by issue 17's
red-team pass (item 14). The limit is 1 to 10,000 (exit 2 otherwise, the value named
shortened); a text longer than any name (200 characters) is refused by the CLI and finds
nothing in the library; "no match" names the text shortened."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from tmrplan.cli import main
from tmrplan.knowledge.kb import KnowledgeBase


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("limit", ["-5", "0", "10001", "9" * 30, "9" * 5000])
def test_a_limit_out_of_range_is_refused(limit: str) -> None:
    code, out = run("search", "median", "--limit", limit)
    assert code == 2, out[:300]
    assert "--limit" in out and "Traceback" not in out and len(out) < 400


def test_a_text_longer_than_any_name_is_refused_shortened() -> None:
    started = time.monotonic()
    code, out = run("search", "median nerve " * 8000)
    assert time.monotonic() - started < 5
    assert code == 2, out[:300]
    assert "(104000 characters)" in out and len(out) < 400


def test_no_match_names_the_text_shortened() -> None:
    code, out = run("search", "q" * 190)
    assert code == 0
    assert out.startswith("no match for 'qqq") and "(190 characters)" in out


def test_the_library_is_total(kb: KnowledgeBase) -> None:
    assert kb.search("median", limit=-5) == [] and kb.search("median", limit=0) == []
    assert len(kb.search("median", limit=2)) == 2
    assert len(kb.search("nerve", limit=10**30)) > 100  # not an OverflowError
    started = time.monotonic()
    assert kb.search("a" * 100_000) == []
    assert time.monotonic() - started < 1
