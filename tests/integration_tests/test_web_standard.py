"""LangChain's standard integration tests for the tools and the retriever, replayed.

Recorded against the stand-in (`--record-mode=rewrite --standin`) or Parallel; each
test replays its own cassette in `cassettes/`.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import (
    RetrieversIntegrationTests,
    ToolsIntegrationTests,
)
from recording import TARGET

from langchain_parallel import (
    ParallelExtractTool,
    ParallelSearchRetriever,
    ParallelSearchTool,
)


@pytest.mark.vcr
class TestParallelSearchToolIntegration(ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[ParallelSearchTool]:
        return ParallelSearchTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"max_results": 3, **TARGET.model_kwargs()}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {
            "objective": "Recent developments in renewable energy storage",
            "search_queries": ["grid battery storage 2026", "renewable energy storage"],
        }


@pytest.mark.vcr
class TestParallelExtractToolIntegration(ToolsIntegrationTests):
    @property
    def tool_constructor(self) -> type[ParallelExtractTool]:
        return ParallelExtractTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return TARGET.model_kwargs()

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {
            "urls": ["https://en.wikipedia.org/wiki/Grid_energy_storage"],
            "objective": "Which storage technologies are used at grid scale?",
        }


@pytest.mark.vcr
class TestParallelSearchRetrieverIntegration(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[ParallelSearchRetriever]:
        return ParallelSearchRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"max_results": 4, **TARGET.model_kwargs()}

    @property
    def retriever_query_example(self) -> str:
        return "grid battery storage"

    @property
    def num_results_arg_name(self) -> str:
        return "max_results"
