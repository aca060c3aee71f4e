"""``"context": []`` passed as no context at all. Found by the case property tests with the
input ``{"nerves": ["median nerve"], "level": "transhumeral", "context": []}``."""

from __future__ import annotations

import pytest

from tmrplan.errors import InvalidCaseError
from tmrplan.model import parse_case


def test_list_for_context_is_refused() -> None:
    line = {"nerves": ["median nerve"], "level": "transhumeral", "context": []}
    with pytest.raises(InvalidCaseError, match=r"context must be an object, not \[\]"):
        parse_case(line)
