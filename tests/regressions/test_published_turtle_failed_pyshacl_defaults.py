"""A third party validating the published Turtle with pySHACL's defaults got 125 false
violations: the muscle shape asked for ``tmr:performs``, which exists only after load-time
materialisation (the files state ``tmr:primeMoverFor`` and ``tmr:accessoryFor``). Found by
issue 17's red-team pass (item 19). The shape now follows the property or either of its two
sub-properties, so the source files validate as they are; ``tmrplan export`` writes the
materialised graph, which validates too, and its help says how."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph

from tmrplan import paths
from tmrplan.cli import main
from tmrplan.knowledge.parsing import knowledge_files


def _pyshacl_defaults(data: Graph) -> tuple[bool, str]:
    from pyshacl import validate

    shapes = Graph().parse(paths.shapes_file(paths.ontology_dir()), format="turtle")
    conforms, _, text = validate(data, shacl_graph=shapes)  # every other argument its default
    return bool(conforms), text


def test_the_published_turtle_files_validate_with_pyshacl_defaults() -> None:
    data = Graph()
    for path in knowledge_files(paths.ontology_dir()):
        data.parse(path, format="turtle")
    conforms, text = _pyshacl_defaults(data)
    assert conforms, text[:3000]


def test_the_exported_materialised_turtle_validates_with_pyshacl_defaults(tmp_path: Path) -> None:
    target = tmp_path / "kb.ttl"
    result = CliRunner().invoke(main, ["export", "--format", "ttl", "--output", str(target)])
    assert result.exit_code == 0, result.output
    conforms, text = _pyshacl_defaults(Graph().parse(target, format="turtle"))
    assert conforms, text[:3000]
    helped = CliRunner().invoke(main, ["export", "--help"]).output
    assert "pyshacl -s ontology/shapes.ttl kb.ttl" in helped and "materialises" in helped
