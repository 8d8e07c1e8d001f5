"""LangChain's standard integration tests, replayed from cassettes."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from recording import TARGET

from langchain_parallel import ChatParallelWeb


@pytest.mark.vcr
class TestSpeedIntegration(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatParallelWeb]:
        return ChatParallelWeb

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "speed", **TARGET.model_kwargs()}

    @property
    def has_tool_calling(self) -> bool:
        return False  # bind_tools exists only to refuse clearly

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return False  # Parallel reports no token usage

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
