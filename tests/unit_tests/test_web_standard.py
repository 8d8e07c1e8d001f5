"""LangChain's standard unit tests for the search and extract tools."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ToolsUnitTests

from langchain_parallel import ParallelExtractTool, ParallelSearchTool

_ENV = {
    "PARALLEL_API_KEY": "env-key",
    "PARALLEL_BASE_URL": "https://parallel.example",
    "PARALLEL_TIMEOUT": "42",
    "PARALLEL_MAX_RETRIES": "5",
}
_FROM_ENV = {
    "api_key": "env-key",
    "base_url": "https://parallel.example",
    "timeout": 42.0,
    "max_retries": 5,
}


class TestParallelSearchToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[ParallelSearchTool]:
        return ParallelSearchTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"api_key": "test-key", "max_results": 5}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {
            "objective": "Latest developments in AI agents",
            "search_queries": ["AI agents 2026", "autonomous LLM systems"],
        }

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return _ENV, {"mode": "basic"}, {**_FROM_ENV, "mode": "basic"}


class TestParallelExtractToolUnit(ToolsUnitTests):
    @property
    def tool_constructor(self) -> type[ParallelExtractTool]:
        return ParallelExtractTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"api_key": "test-key"}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {
            "urls": ["https://en.wikipedia.org/wiki/Artificial_intelligence"],
            "objective": "Main applications of AI",
        }

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return _ENV, {"full_content": True}, {**_FROM_ENV, "full_content": True}
