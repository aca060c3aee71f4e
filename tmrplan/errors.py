"""The one error hierarchy of tmrplan; the CLI maps each class to an exit code."""

from __future__ import annotations

from collections.abc import Sequence

from tmrplan.text import to_short_repr


class TmrplanError(Exception):
    """Base class of every error tmrplan raises on purpose."""


class KnowledgeBaseError(TmrplanError):
    """An ontology file is missing, does not parse, or cannot be loaded.

    Attributes:
        path: the file at fault, when there is one.
        line: 1-based line number in that file, when the parser gave one.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class RuleFileError(TmrplanError):
    """A rule card is malformed; the message names file, line and rule id."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        rule_id: str | None = None,
    ) -> None:
        parts = [p for p in (path, str(line) if line else None) if p]
        where = ":".join(parts)
        rule = f" [rule {rule_id}]" if rule_id else ""
        super().__init__(f"{where}{rule}: {message}" if where or rule else message)
        self.path = path
        self.line = line
        self.rule_id = rule_id


class UnknownEntityError(TmrplanError):
    """A name or id matches nothing; carries the closest matches as suggestions."""

    def __init__(self, what: str, value: str, suggestions: Sequence[str] = ()) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {what} {to_short_repr(value)}{hint}")
        self.value = value
        self.suggestions = tuple(suggestions)


class AmbiguousNameError(TmrplanError):
    """A name matches more than one entity; the message asks which, listing them (the first
    ``SHOWN`` of them, then how many more: ``matches`` has every one)."""

    SHOWN = 12

    def __init__(self, value: str, matches: Sequence[str]) -> None:
        shown = ", ".join(repr(m) for m in matches[: self.SHOWN])
        more = f" … and {len(matches) - self.SHOWN} more" if len(matches) > self.SHOWN else ""
        super().__init__(f"{to_short_repr(value)} is ambiguous: which of these? {shown}{more}")
        self.value = value
        self.matches = tuple(matches)


class InvalidCaseError(TmrplanError):
    """A case is not plannable as given (wrong level for the limb, missing region…)."""


class UnknownCaseFieldError(UnknownEntityError, InvalidCaseError):
    """A case names a field that does not exist (an unknown context key): both an unknown name,
    with close matches, and an invalid case, so every caller that refuses either refuses it."""


class EngineError(TmrplanError):
    """The rule engine failed while evaluating facts."""


class OutputError(TmrplanError):
    """A file could not be written (the old file, if any, is left as it was)."""


class AuditLogError(TmrplanError):
    """The audit log cannot be opened or written, or an event is refused (unknown kind, or a
    detail field outside its kind's whitelist: the log must never hold case data)."""


class InputFileError(TmrplanError):
    """An input file cannot be read as one: it is a folder, FIFO, device or socket, too large,
    or unreadable. Carries the path; readers with an error class of their own (ontology, rule
    cards, batches) turn ``reason`` into it.

    Attributes:
        path: the file at fault.
        reason: what is wrong with it, without the path.
    """

    def __init__(self, reason: str, *, path: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
