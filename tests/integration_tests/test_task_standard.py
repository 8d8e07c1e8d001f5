"""LangChain's standard integration tests for ChatParallelTask, from cassettes.

Recorded against the stand-in, whose simulated runs take milliseconds where Parallel
takes minutes; the requests are the same (create, long-poll, events, task groups).
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import TaskCapabilities
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests
from recording import TARGET

from langchain_parallel.errors import InputError


@pytest.mark.vcr
class TestTaskIntegration(TaskCapabilities, ChatModelIntegrationTests):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        # The fastest processor, so that recording against the real API takes
        # minutes, not hours; the flows in test_task_flows.py use deeper ones.
        return {"model": "lite", **TARGET.model_kwargs()}

    @property
    def supports_model_override(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "base-fast"

    @property
    def enable_vcr_tests(self) -> bool:
        return True

    @pytest.mark.xfail(
        strict=True,
        raises=InputError,
        reason="the Task API has no stop sequences; ChatParallelTask refuses stop=... "
        "before any request instead of dropping it (test_task_model.py).",
    )
    def test_stop_sequence(self, model: BaseChatModel) -> None:
        super().test_stop_sequence(model)
