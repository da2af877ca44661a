"""FOCUS 1.2 exports, checked by the FinOps Foundation's focus-validator 2.2.1 (rule model
1.2.0.1) run as tests/focus_validator.py sets it up."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.focus_validator import validate

REFERENCE = Path(__file__).parent / "data" / "billing" / "focus12_llm_api_synthetic.csv"


@pytest.mark.slow
def test_the_validator_reproduces_the_reference_result():
    """The harness runs the validator as the reference did: the synthetic FOCUS 1.2 file of an
    LLM API provider passes every rule but the InvoiceId contradiction (578 / 228 / 1)."""
    result = validate(REFERENCE)
    assert (result.total, result.passed, result.failed, result.skipped) == (578, 228, 1, 349), result.text[-2000:]
    assert result.failures == ["InvoiceId-C-004-C"] and result.real_failures == []
