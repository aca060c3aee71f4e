"""``"allow_shared_targets": "no"`` read as true (a non-empty string). Found by the case
property tests with the input ``{"nerves": ["median nerve"], "level": "transhumeral",
"allow_shared_targets": "no"}``."""

from __future__ import annotations

import pytest

from tmrplan.errors import InvalidCaseError
from tmrplan.model import parse_case


def test_text_for_a_boolean_is_refused() -> None:
    line = {"nerves": ["median nerve"], "level": "transhumeral", "allow_shared_targets": "no"}
    with pytest.raises(InvalidCaseError, match="allow_shared_targets must be true or false"):
        parse_case(line)
