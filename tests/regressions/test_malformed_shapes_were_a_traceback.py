"""Malformed shapes escaped as tracebacks with exit 1: ``sh:minCount "abc"`` (pySHACL's
ConstraintLoadError), a ``sh:select`` that does not parse (pyparsing's ParseException), and a
SPARQL constraint pySHACL answers with a ValidationFailure in place of its report graph (an
AttributeError here). Found by issue 17's red-team pass (item 10). Each is now an error naming
the shapes file (and the line, where the SPARQL text is found), exit 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan.cli import main

BROKEN = {
    "minCount": (
        "tmr:BadCountShape a sh:NodeShape ; sh:targetClass tmr:Muscle ;\n"
        '    sh:property [ sh:path rdfs:label ; sh:minCount "abc" ] .\n',
        "sh:minCount must be a literal with datatype xsd:integer",
    ),
    "select": (
        "tmr:BadSelectShape a sh:NodeShape ; sh:targetClass tmr:Muscle ;\n"
        '    sh:sparql [ sh:select "SELECT $this WHERE { broken" ] .\n',
        "does not parse",
    ),
    "ValidationFailure": (
        "tmr:ValuesShape a sh:NodeShape ; sh:targetClass tmr:Muscle ;\n"
        '    sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }" ] .\n',
        "must not contain a VALUES clause",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_malformed_shape_is_a_located_error(
    make_ontology: Callable[..., Path], name: str
) -> None:
    extra, complaint = BROKEN[name]
    ontology = make_ontology()
    shapes = ontology / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    result = CliRunner().invoke(main, ["--ontology", str(ontology), "check"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and "shapes.ttl" in result.output
    assert complaint in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # an exit, not an escaped exception
