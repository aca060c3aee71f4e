"""A pasted 10,000-character nerve name came back whole in the refusal. Found by the case
property tests with the input ``"x" * 10_000`` as a nerve name."""

from __future__ import annotations

import pytest

from tmrplan.errors import InvalidCaseError
from tmrplan.model import MAX_NAME_LENGTH, check_name_length


def test_long_name_is_refused_cut_short() -> None:
    with pytest.raises(InvalidCaseError, match="too long") as caught:
        check_name_length("nerve", "x" * 10_000)
    assert len(str(caught.value)) < MAX_NAME_LENGTH + 200
