"""Research models: citations as standard blocks, interaction chaining, schemas."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import merge_chunks
from langchain_core.messages import AIMessage, HumanMessage
from parallel_standin import StandIn
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_parallel import ChatParallelWeb
from langchain_parallel.citations import citations
from langchain_parallel.errors import ConfigError, StructuredOutputError


@pytest.fixture
def lite(standin: StandIn) -> ChatParallelWeb:
    return ChatParallelWeb(model="lite", api_key="standin-key", base_url=standin.url)


def _citations(message: AIMessage) -> list[dict[str, Any]]:
    (block,) = message.content_blocks
    assert block["type"] == "text"
    assert block["text"] == message.text
    return list(block.get("annotations", []))


def test_basis_becomes_citation_annotations(lite: ChatParallelWeb) -> None:
    msg = lite.invoke("Who won the 2024 Nobel prize in physics?")
    basis = msg.response_metadata["basis"]
    urls = [c["url"] for entry in basis for c in entry["citations"]]
    found = _citations(msg)
    assert [c["type"] for c in found] == ["citation"] * len(urls)
    assert [c["url"] for c in found] == urls
    assert found[0]["title"] == basis[0]["citations"][0]["title"]
    assert found[0]["cited_text"] == basis[0]["citations"][0]["excerpts"][0]
    assert found[0]["extras"]["confidence"] == "high"
    assert "title" not in found[1]  # only what the basis says


def test_merged_stream_has_the_same_citations(lite: ChatParallelWeb) -> None:
    invoked = lite.invoke("Same question")
    streamed = merge_chunks(lite.stream("Same question"))
    assert streamed.response_metadata["basis"] == invoked.response_metadata["basis"]
    assert [c["url"] for c in _citations(streamed)] == [
        c["url"] for c in _citations(invoked)
    ]


def test_speed_carries_no_citations(standin: StandIn) -> None:
    llm = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    msg = llm.invoke("Quick question")
    assert "basis" not in msg.response_metadata
    assert _citations(msg) == []


def test_citations_ignore_malformed_basis() -> None:
    assert citations(None) == []
    with pytest.warns(UserWarning, match="a basis that is a str"):
        assert citations("text") == []
    with pytest.warns(UserWarning, match="without a URL; a basis entry that is a"):
        assert citations([{"citations": [{"title": "no url"}]}, 3]) == []


def test_previous_interaction_id_on_model_and_per_call(
    lite: ChatParallelWeb, standin: StandIn
) -> None:
    first = lite.invoke("Start research on solid-state batteries")
    interaction = first.response_metadata["interaction_id"]
    chained = lite.model_copy(update={"previous_interaction_id": interaction})
    answer = chained.invoke("What about costs?")
    assert standin.requests[-1].body["previous_interaction_id"] == interaction
    assert "Continuing the research" in answer.text
    lite.invoke("And safety?", previous_interaction_id="trun_explicit")
    assert standin.requests[-1].body["previous_interaction_id"] == "trun_explicit"


def test_chain_interactions_uses_the_latest_answer(standin: StandIn) -> None:
    llm = ChatParallelWeb(
        model="lite",
        api_key="standin-key",
        base_url=standin.url,
        chain_interactions=True,
    )
    history: list[Any] = [HumanMessage("Research EV battery recycling.")]
    first = llm.invoke(history)
    assert "previous_interaction_id" not in standin.requests[-1].body
    history += [first, HumanMessage("Which companies lead it?")]
    second = llm.invoke(history)
    sent = standin.requests[-1].body["previous_interaction_id"]
    assert sent == first.response_metadata["interaction_id"]
    history += [second, HumanMessage("And in Europe?")]
    llm.invoke(history)
    sent = standin.requests[-1].body["previous_interaction_id"]
    assert sent == second.response_metadata["interaction_id"]


class Person(BaseModel):
    """A person and the prize they won."""

    name: str = Field(description="full name")
    prize_year: int


class PersonDict(TypedDict):
    name: str
    prize_year: int


PERSON_SCHEMA = {
    "title": "person",
    "type": "object",
    "properties": {"name": {"type": "string"}, "prize_year": {"type": "integer"}},
    "required": ["name", "prize_year"],
}


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_structured_output_pydantic(
    lite: ChatParallelWeb, standin: StandIn, method: str
) -> None:
    result = lite.with_structured_output(Person, method=method, strict=True).invoke(
        "Who won the 2024 Nobel prize in physics?"
    )
    assert isinstance(result, Person)
    fmt = standin.requests[-1].body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Person"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["name", "prize_year"]


@pytest.mark.parametrize("schema", [PersonDict, PERSON_SCHEMA])
def test_structured_output_dicts(lite: ChatParallelWeb, schema: Any) -> None:
    result = lite.with_structured_output(schema).invoke("Who won?")
    assert isinstance(result, dict)
    assert set(result) == {"name", "prize_year"}


def test_include_raw_keeps_the_basis(lite: ChatParallelWeb) -> None:
    result = lite.with_structured_output(Person, include_raw=True).invoke("Who won?")
    assert set(result) == {"raw", "parsed", "parsing_error"}
    assert isinstance(result["parsed"], Person)
    assert result["parsing_error"] is None
    assert result["raw"].response_metadata["basis"]


def test_json_mode(lite: ChatParallelWeb, standin: StandIn) -> None:
    chain = lite.with_structured_output(Person, method="json_mode")
    with pytest.raises(StructuredOutputError):
        chain.invoke("Answer with JSON")  # the stand-in's object lacks the keys
    result = lite.with_structured_output(None, method="json_mode").invoke(
        "Reply as JSON with 'name' and 'prize_year' keys."
    )
    assert set(result) == {"name", "prize_year"}
    assert standin.requests[-1].body["response_format"] == {"type": "json_object"}


def test_answer_that_does_not_fit_fails_loudly_and_keeps_the_text(
    standin: StandIn,
) -> None:
    # The reading of Parallel's docs in which `speed` ignores the schema.
    standin.chat.ignore_response_format = True
    standin.chat.answer_text = "Sorry, I cannot answer in JSON."
    speed = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    with pytest.raises(StructuredOutputError, match="not JSON") as info:
        speed.with_structured_output(Person).invoke("Who won?")
    assert info.value.raw == "Sorry, I cannot answer in JSON."


def test_include_raw_reports_parsing_error(standin: StandIn) -> None:
    speed = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    result = speed.with_structured_output(
        Person, method="json_mode", include_raw=True
    ).invoke("Reply as JSON with 'name' only.")
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], StructuredOutputError)
    assert result["raw"].content


def test_dict_schema_missing_required_key_fails(standin: StandIn) -> None:
    speed = ChatParallelWeb(api_key="standin-key", base_url=standin.url)
    chain = (
        speed.bind(response_format={"type": "json_object"})
        | (
            speed.with_structured_output(PERSON_SCHEMA).steps[-1]  # type: ignore[attr-defined]
        )
    )
    with pytest.raises(StructuredOutputError, match=r"required key\(s\)"):
        chain.invoke("Reply as JSON with 'name' only.")


def test_structured_output_argument_errors(lite: ChatParallelWeb) -> None:
    with pytest.raises(ConfigError, match="needs a schema"):
        lite.with_structured_output(None)
    with pytest.raises(ConfigError, match="Unknown structured output method"):
        lite.with_structured_output(Person, method="xml")  # type: ignore[arg-type]


def test_v1_output_keeps_citations_in_one_text_block(standin: StandIn) -> None:
    llm = ChatParallelWeb(
        model="lite",
        api_key="standin-key",
        base_url=standin.url,
        output_version="v1",
    )
    for message in (llm.invoke("Q"), merge_chunks(llm.stream("Q"))):
        (block,) = message.content
        assert block["type"] == "text"
        assert block["text"].startswith("Stand-in answer from the lite model")
        assert [a["type"] for a in block["annotations"]] == ["citation", "citation"]
