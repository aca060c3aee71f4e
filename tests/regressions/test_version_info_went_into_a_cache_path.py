"""``owl:versionInfo`` went unchecked into the validation stamp's file name: a long value made
every ``plan`` fail with "File name too long", and a ``../`` value wrote outside the cache
folder. Found by issue 17's red-team pass (item 3). A declared version must now be a version
(ASCII digits and dots, an optional pre-release, at most 40 characters; one value), or loading
stops with an error naming the file and line; stamps are named by a hash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan.cli import main
from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import load_knowledge_base
from tmrplan.knowledge.validation import validate_once


def _declare(ontology: Path, value: str) -> None:
    vocabulary = ontology / "tmr.ttl"
    text = vocabulary.read_text(encoding="utf-8")
    assert 'owl:versionInfo "0.1.0"' in text
    vocabulary.write_text(text.replace('"0.1.0"', value, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "value",
    [
        '"../../../../tmp/h17a-escaped"',
        '"' + "9" * 300 + '"',
        '"0.1.0\\n"',
        '"\u0661.0.0"',  # an Arabic-Indic digit one
        '"0.1.0/x"',
        '"0.1.0" , "0.2.0"',
    ],
)
def test_a_version_that_is_not_one_is_refused_naming_file_and_line(
    make_ontology: Callable[..., Path], tmp_path: Path, value: str
) -> None:
    ontology = make_ontology()
    _declare(ontology, value)
    with pytest.raises(
        KnowledgeBaseError, match=r"tmr\.ttl:\d+: .*(not a version|2 owl:versionInfo)"
    ):
        load_knowledge_base(ontology, cache_dir=tmp_path / "cache")
    result = CliRunner().invoke(main, ["--ontology", str(ontology), "check"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.output) < 400
    assert not (tmp_path.parent / "h17a-escaped").exists()


def test_stamps_are_named_by_a_hash_inside_their_folder(
    make_ontology: Callable[..., Path], tmp_path: Path
) -> None:
    from tmrplan.knowledge.validation import stamp_name

    ontology = make_ontology()
    _declare(ontology, '"1.2.0-rc.1"')  # a pre-release is a version
    kb = load_knowledge_base(ontology)
    assert kb.version.startswith("1.2.0-rc.1+")
    stamps = tmp_path / "stamps"
    assert validate_once(kb, stamps) == []
    (stamp,) = stamps.iterdir()
    assert stamp.name == stamp_name(kb) and len(stamp.name) == 35 and "rc" not in stamp.name
