"""A batch line whose region was a list crashed the batch instead of refusing the line. Found by
the case property tests with the input ``{"nerves": ["sural nerve"], "level": "none",
"region": ["leg"]}``."""

from __future__ import annotations

import pytest

from tmrplan.errors import InvalidCaseError
from tmrplan.model import parse_case


def test_region_list_is_an_invalid_case() -> None:
    with pytest.raises(InvalidCaseError, match=r"region must be text or null, not \['leg'\]"):
        parse_case({"nerves": ["sural nerve"], "level": "none", "region": ["leg"]})
