"""LangChain's standard integration tests for the tools and the retriever, replayed.

Recorded against the stand-in (`--record-mode=rewrite --standin`) or Parallel; each
test replays its own cassette in `cassettes/`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from langchain_tests.integration_tests import (
    RetrieversIntegrationTests,
    ToolsIntegrationTests,
)
from recording import TARGET
from web_spec import ADAPTERS, assert_fits_the_spec

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


def test_recorded_requests_fit_the_spec() -> None:
    """Whatever server recorded them, the tools' requests fit the request schema."""
    cassettes = Path(__file__).resolve().parents[2] / "cassettes"
    checked = 0
    for path in sorted(cassettes.glob("TestParallel*.yaml")):
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            request = interaction["request"]
            route = urlsplit(request["uri"]).path
            assert route in ADAPTERS, f"{path.name}: {route}"
            assert_fits_the_spec(route, json.loads(request["body"]))
            checked += 1
    assert checked >= 14  # one per test, two per test_k_* of the retriever
