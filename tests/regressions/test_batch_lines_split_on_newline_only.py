"""Two batch faults found by the case property tests:

* a JSON string holding a raw U+2028 (or U+0085) split one good case into two bad lines, because
  the batch was split with ``str.splitlines``, and every later line number was off by one;
* one line that was not UTF-8 stopped the whole batch with a traceback instead of being reported
  with its line number while the other lines ran.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tmrplan.cli import main


def test_a_raw_line_separator_inside_a_string_keeps_the_line_numbers(tmp_path: Path) -> None:
    # The odd line is refused for its level (the resolver now reads the separator in the name as
    # a space), so the line number it is reported under is what the test sees.
    odd = json.dumps({"level": "transtibia", "nerves": ["sural\u2028nerve"]})
    good = json.dumps({"level": "transtibial", "nerves": ["sural nerve"]})
    batch = tmp_path / "cases.jsonl"
    raw = odd.replace("\\u2028", "\u2028")
    assert "\u2028" in raw
    batch.write_text(raw + "\n" + good + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", "--cases", str(batch)])
    assert result.exit_code == 2
    assert f"{batch}:1: " in result.stderr
    assert f"{batch}:2: " not in result.stderr and f"{batch}:3: " not in result.stderr
    assert len(result.stdout.strip().splitlines()) == 1  # the good line still ran


def test_a_line_that_is_not_utf8_is_reported_and_the_rest_runs(tmp_path: Path) -> None:
    good = json.dumps({"level": "transtibial", "nerves": ["sural nerve"]}).encode()
    batch = tmp_path / "cases.jsonl"
    batch.write_bytes(b"\xff\xfe not utf-8\n" + good + b"\n")
    result = CliRunner().invoke(main, ["plan", "--cases", str(batch)])
    assert result.exit_code == 2
    assert f"{batch}:1: not UTF-8 at byte 1" in result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
