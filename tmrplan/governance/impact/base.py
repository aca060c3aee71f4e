"""The base side of an impact comparison: a directory, or a git revision extracted for the run.

A git revision's ``ontology`` and ``rules`` folders (the current data's, relative to the
repository) are extracted with ``git archive`` into a temporary directory, removed afterwards.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tmrplan.errors import KnowledgeBaseError, UnknownEntityError
from tmrplan.knowledge.kb import load_knowledge_base
from tmrplan.planning.planner import Planner
from tmrplan.rules.cards import load_rulebook
from tmrplan.text import suggest

NOT_VALIDATED = (
    "the base knowledge base was loaded without validation (SHACL shapes and violation queries "
    "were not run on it)"
)


NO_RANKING = (
    "the base has no ranking card (it predates rules/ranking.yaml): its options were ordered by "
    "the current ranking card"
)


def load_base_planner(
    ontology: Path, rules: Path, *, validate: bool = False, ranking_from: Path | None = None
) -> Planner:
    """A planner for base data (validated only if asked: it is history, not what will plan).

    Args:
        ontology: the base's ontology directory.
        rules: the base's rules directory.
        validate: run SHACL and the violation queries on the base's knowledge base too.
        ranking_from: a rules directory whose ranking card orders the base's options when the
            base has none of its own.

    Raises:
        KnowledgeBaseError, RuleFileError: for data that does not load (or, with ``validate``,
            a knowledge base with violations).

    Example:
        >>> from tmrplan import paths
        >>> planner = load_base_planner(paths.ontology_dir(), paths.rules_dir())  # doctest: +SKIP
    """
    kb = load_knowledge_base(ontology)
    if validate:
        from tmrplan.knowledge.validation import ensure_valid

        ensure_valid(kb)
    book = load_rulebook(rules, known_sources=kb.source_ids(), fallback_ranking=ranking_from)
    return Planner(kb, book)


@contextmanager
def materialise_base(
    base: str | Path, current: Planner, repo: Path | None = None
) -> Iterator[tuple[Path, Path, str]]:
    """The base's ontology and rules directories, and a label; temporary ones are removed after.

    Args:
        base: a directory with ``ontology/`` and ``rules/``, or a git revision.
        current: the current planner (a revision is read for its data's folders).
        repo: the git repository (default: the one containing ``current``'s rules directory).

    Yields:
        The base's ontology directory, its rules directory, and how to name it in a report.

    Raises:
        UnknownEntityError: for a base that is neither a directory nor a git revision.
        KnowledgeBaseError: for a revision without the current data's folders.

    Example:
        >>> from tmrplan.planning.planner import load_planner
        >>> with materialise_base("HEAD", load_planner()) as (ontology, rules, label):  # doctest: +SKIP
        ...     print(label)
        HEAD (3fa2c41d0e)
    """
    folder = Path(base)
    if folder.is_dir():
        if not (folder / "ontology").is_dir() and not (folder / "rules").is_dir():
            raise UnknownEntityError("base directory (with ontology/ and rules/)", str(base))
        yield folder / "ontology", folder / "rules", str(folder)
        return
    ontology_dir, rules_dir = current.kb.directory.resolve(), current.rulebook.directory.resolve()
    top = repo or _git_toplevel(rules_dir, str(base))
    revision = str(base)
    # A revision never starts with "-": refuse what git would read as an option.
    sha = (
        None
        if revision.startswith("-")
        else _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    )
    if sha is None:
        refs = (_git(top, "for-each-ref", "--format=%(refname:short)") or "").split()
        close = suggest(revision, [*refs, "HEAD"], 3)
        raise UnknownEntityError("base (directory or git revision)", revision, close)
    try:
        folders = [p.relative_to(top.resolve()).as_posix() for p in (ontology_dir, rules_dir)]
    except ValueError as exc:
        raise KnowledgeBaseError(
            f"the current ontology and rules are not inside the git repository {str(top)!r}",
        ) from exc
    archive = subprocess.run(
        ["git", "-C", str(top), "archive", "--format=tar", sha.strip(), "--", *folders],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        why = archive.stderr.decode(errors="replace").strip()
        raise KnowledgeBaseError(f"cannot read {', '.join(folders)} at {revision!r}: {why}")
    with tempfile.TemporaryDirectory(prefix="tmrplan-base-") as temporary:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(temporary, filter="data")
        root = Path(temporary)
        yield root / folders[0], root / folders[1], f"{revision} ({sha.strip()[:10]})"


def _git(top: Path, *args: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(top), *args], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def _git_toplevel(folder: Path, base: str) -> Path:
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        raise KnowledgeBaseError(
            f"base {base!r} is not a directory, and the current rules ({str(folder)!r}) are not "
            "in a git repository to read a revision from"
        )
    return Path(top.strip())
