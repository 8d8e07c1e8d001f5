"""LangChain's standard integration tests, replayed from cassettes."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ParallelCapabilities
from langchain_tests.integration_tests import ChatModelIntegrationTests
from recording import TARGET


@pytest.mark.vcr
class TestSpeedIntegration(ParallelCapabilities, ChatModelIntegrationTests):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "speed", **TARGET.model_kwargs()}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "lite"

    @property
    def enable_vcr_tests(self) -> bool:
        return True


@pytest.mark.vcr
class TestLiteIntegration(TestSpeedIntegration):
    """A research model: slower, with citations; structured output per schema."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "lite", **TARGET.model_kwargs()}

    @property
    def model_override_value(self) -> str:
        return "speed"
