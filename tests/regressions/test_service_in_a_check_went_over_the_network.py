"""A ``SERVICE`` clause in a violation query made ``tmrplan check`` send the query over HTTP and
report the remote answer as a violation; a shape's SPARQL could do the same through pySHACL.
Found by issue 17's red-team pass (item 2). Checks now run on the local graph only: SERVICE,
LOAD, FROM and USING are refused in queries and shapes before anything runs (file and line
named), and while checks run no Python code of the thread may open a connection."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tmrplan.cli import main
from tmrplan.errors import KnowledgeBaseError
from tmrplan.knowledge.kb import load_knowledge_base
from tmrplan.knowledge.validation import validate_knowledge_base


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[str]]]:
    """A SPARQL endpoint on localhost that answers every query with one row, and records it."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps(
                {
                    "head": {"vars": ["x"]},
                    "results": {
                        "bindings": [
                            {"x": {"type": "uri", "value": "https://w3id.org/tmrplan#Remote"}}
                        ]
                    },
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_service_in_a_violation_query_is_refused_and_sends_nothing(
    make_ontology: Callable[..., Path], endpoint: tuple[str, list[str]]
) -> None:
    url, asked = endpoint
    ontology = make_ontology()
    query = ontology / "queries" / "remote_violation.rq"
    query.write_text(
        f"# asks elsewhere\nSELECT ?x WHERE {{\n  SERVICE <{url}> {{ ?x ?p ?o }}\n}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--ontology", str(ontology), "check"])
    assert result.exit_code == 2, result.output
    assert "remote_violation.rq:3: SERVICE is refused" in result.output
    assert "Traceback" not in result.output
    assert asked == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?x FROM <{url}> WHERE {{ ?x ?p ?o }}",
        "select ?x where {{ service silent <{url}> {{ ?x ?p ?o }} }}",
        "SELECT ?x WHERE {{ ?x ?p ?o . SERVICE?endpoint{{ ?x ?p ?o }} }}",
    ],
)
def test_other_spellings_are_refused(
    make_ontology: Callable[..., Path], endpoint: tuple[str, list[str]], text: str
) -> None:
    url, asked = endpoint
    ontology = make_ontology()
    (ontology / "queries" / "remote_violation.rq").write_text(
        text.format(url=url), encoding="utf-8"
    )
    with pytest.raises(KnowledgeBaseError, match=r"remote_violation\.rq:1: (SERVICE|FROM) is"):
        validate_knowledge_base(load_knowledge_base(ontology))
    assert asked == []


def test_the_words_in_strings_iris_and_comments_are_not_refused(
    make_ontology: Callable[..., Path],
) -> None:
    ontology = make_ontology()
    (ontology / "queries" / "words_violation.rq").write_text(
        "# SERVICE, FROM and LOAD in a comment\n"
        "SELECT ?x WHERE { ?x <https://example.org/SERVICE> ?y . ?x ?p 'FROM SERVICE' }\n",
        encoding="utf-8",
    )
    assert validate_knowledge_base(load_knowledge_base(ontology)) == []


def test_service_in_a_shape_is_refused_and_sends_nothing(
    make_ontology: Callable[..., Path], endpoint: tuple[str, list[str]]
) -> None:
    url, asked = endpoint
    ontology = make_ontology()
    shapes = ontology / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\ntmr:RemoteTargetShape a sh:NodeShape ;\n"
        + "    sh:target [ a sh:SPARQLTarget ;\n"
        + f'        sh:select "SELECT ?this WHERE {{ SERVICE <{url}> {{ ?this ?p ?o }} }}" ] ;\n'
        + "    sh:property [ sh:path rdfs:comment ; sh:minCount 1 ] .\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--ontology", str(ontology), "check"])
    assert result.exit_code == 2, result.output
    assert "shapes.ttl:" in result.output and "SERVICE is refused" in result.output
    assert asked == []


def test_no_python_network_while_checks_run(endpoint: tuple[str, list[str]]) -> None:
    from tmrplan.knowledge.validation import offline

    url, asked = endpoint
    with pytest.raises(KnowledgeBaseError, match="network access refused"), offline():
        urllib.request.urlopen(url, timeout=5)
    assert asked == []
    with urllib.request.urlopen(url, timeout=5) as answer:  # outside the checks: untouched
        assert answer.status == 200
    assert len(asked) == 1
