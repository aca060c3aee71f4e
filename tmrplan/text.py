"""Text helpers every layer shares: short echoes of bad values, "did you mean", Markdown escaping."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def to_short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` for an error message, cut after ``limit`` characters when longer.

    Example:
        >>> to_short_repr("median nerve")
        "'median nerve'"
        >>> to_short_repr("x" * 5000)
        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (5000 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[: limit - 1]}…{size}"


def suggest(value: str, choices: Iterable[str], limit: int = 3, cutoff: float = 0.6) -> list[str]:
    """The close matches of ``value`` among ``choices``, best first: the one "did you mean".

    Example:
        >>> suggest("transhumral", ["transhumeral", "transradial", "transfemoral"])
        ['transhumeral', 'transfemoral', 'transradial']
    """
    return difflib.get_close_matches(value, list(choices), limit, cutoff)


def escape_markdown(text: str) -> str:
    """Labels are data: escape the characters that would turn them into Markdown or HTML.

    Example:
        >>> escape_markdown("<script>x</script> *bold*")
        '\\\\<script\\\\>x\\\\</script\\\\> \\\\*bold\\\\*'
    """
    # "$", ":" and "~" too: Streamlit reads them as maths, colour/icon directives and strikes.
    for char in ("\\", "|", "<", ">", "*", "_", "`", "[", "]", "$", ":", "~", "#"):
        text = text.replace(char, "\\" + char)
    return text
