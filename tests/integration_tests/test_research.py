"""Research models from cassettes: citations, interaction chaining, schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from pydantic import BaseModel
from recording import TARGET
from vcr.cassette import Cassette

from langchain_parallel import ChatParallelWeb

pytestmark = pytest.mark.vcr
QUESTION = "What are the most cited papers on solid-state batteries since 2023?"


def lite(**kwargs: Any) -> ChatParallelWeb:
    return ChatParallelWeb(model="lite", **{**TARGET.model_kwargs(), **kwargs})


def _citation_urls(message: AIMessage) -> list[str]:
    return [
        annotation["url"]
        for block in message.content_blocks
        if block["type"] == "text"
        for annotation in block.get("annotations", [])
        if annotation["type"] == "citation"
    ]


def _basis_urls(message: AIMessage) -> list[str]:
    basis = message.response_metadata["basis"]
    return [c["url"] for entry in basis for c in entry["citations"]]


def test_lite_invoke_citations() -> None:
    msg = lite().invoke(QUESTION)
    assert _citation_urls(msg)
    assert _citation_urls(msg) == _basis_urls(msg)


def test_lite_stream_citations() -> None:
    full = None
    for chunk in lite().stream(QUESTION):
        full = chunk if full is None else full + chunk
    assert isinstance(full, AIMessageChunk)
    assert _citation_urls(full) == _basis_urls(full)


def test_speed_has_no_citations() -> None:
    msg = ChatParallelWeb(model="speed", **TARGET.model_kwargs()).invoke(QUESTION)
    assert _citation_urls(msg) == []


def test_multi_turn_research_chat(vcr: Cassette) -> None:
    llm = lite(chain_interactions=True)
    history: list[Any] = [HumanMessage(QUESTION)]
    first = llm.invoke(history)
    history += [first, HumanMessage("Which of them were replicated?")]
    llm.invoke(history)
    sent = json.loads(vcr.requests[-1].body)
    assert sent["previous_interaction_id"] == first.response_metadata["interaction_id"]


def test_previous_interaction_id_per_call(vcr: Cassette) -> None:
    first = lite().invoke(QUESTION)
    interaction = first.response_metadata["interaction_id"]
    lite().invoke("Summarise that in one line.", previous_interaction_id=interaction)
    assert json.loads(vcr.requests[-1].body)["previous_interaction_id"] == interaction


class Paper(BaseModel):
    title: str
    year: int


def test_structured_output_keeps_basis_per_field() -> None:
    result = lite().with_structured_output(Paper, include_raw=True).invoke(QUESTION)
    assert isinstance(result["parsed"], Paper)
    fields = {entry["field"] for entry in result["raw"].response_metadata["basis"]}
    assert fields == {"title", "year"}
