"""Deep research flows from cassettes: citations, progress, schemas, batches, resume."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from helpers import assert_task_requests_fit, merge_chunks
from pydantic import BaseModel, Field
from recording import TARGET

from langchain_parallel import ChatParallelTask
from langchain_parallel.errors import TaskRunFailedError, TaskRunTimeoutError

pytestmark = pytest.mark.vcr
QUESTION = "How did EU battery regulation change in 2025?"
CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def deep(**kwargs: Any) -> ChatParallelTask:
    return ChatParallelTask(**{"model": "ultra", **TARGET.model_kwargs(), **kwargs})


def test_task_invoke_cites_its_basis() -> None:
    msg = deep().invoke(QUESTION)
    meta = msg.response_metadata
    assert meta["processor"] == "ultra"
    assert meta["status"] == "completed"
    assert meta["run_id"]
    assert meta["interaction_id"]
    cited = [
        a["url"]
        for block in msg.content_blocks
        if block["type"] == "text"
        for a in block.get("annotations", [])
    ]
    assert cited == [c["url"] for entry in meta["basis"] for c in entry["citations"]]


def test_task_stream_shows_progress_before_the_answer() -> None:
    chunks = list(deep(model="pro").stream(QUESTION))
    assert all(c.content == "" for c in chunks[:-1])
    full = merge_chunks(chunks)
    types = [block["type"] for block in full.content_blocks]
    assert types == ["reasoning", "text"]
    assert full.response_metadata["run_id"] in full.content_blocks[0]["reasoning"]


def test_task_structured_output_keeps_the_basis_per_field() -> None:
    class Regulation(BaseModel):
        name: str = Field(description="Official name of the regulation")
        year: int = Field(description="Year it entered into force")

    out = deep().with_structured_output(Regulation, include_raw=True).invoke(QUESTION)
    assert isinstance(out["parsed"], Regulation)
    fields = [entry["field"] for entry in out["raw"].response_metadata["basis"]]
    assert fields == ["name", "year"]


def test_task_conversation_continues_the_interaction() -> None:
    llm = deep(model="lite", chain_interactions=True)
    first = llm.invoke(QUESTION)
    second = llm.invoke([("human", QUESTION), first, ("human", "And in 2026?")])
    assert (
        second.response_metadata["interaction_id"]
        != first.response_metadata["interaction_id"]
    )


@pytest.mark.standin_only
def test_task_batch_is_one_group_with_a_failing_member() -> None:
    questions = ["Who makes LFP cells?", "Who recycles them? [standin:fail]", "Where?"]
    out = deep(model="lite").batch(questions, return_exceptions=True)
    assert isinstance(out[1], TaskRunFailedError)
    assert out[1].run_id
    groups = {m.response_metadata["taskgroup_id"] for m in (out[0], out[2])}
    assert len(groups) == 1


@pytest.mark.standin_only
def test_task_resume_after_the_budget_runs_out() -> None:
    standin: Any = TARGET.standin
    if standin is not None:  # runs take their documented time, polls 200 ms
        standin.tasks.time_scale, standin.tasks.max_wait = 1.0, 0.2
    try:
        with pytest.raises(TaskRunTimeoutError) as caught:
            deep(model="ultra-fast", time_budget=1).invoke(QUESTION)
        run_id = caught.value.run_id
        assert run_id
        if standin is not None:
            standin.tasks.advance(600)  # ten minutes later
        answer = deep(model="ultra-fast").result(run_id)
    finally:
        if standin is not None:
            standin.tasks.reset()
    assert answer.response_metadata["run_id"] == run_id
    assert answer.response_metadata["processor"] == "ultra-fast"


def test_task_cassettes_fit_the_spec() -> None:
    """Every recorded Task API request fits the SDK's request types and the document."""
    seen = []
    for path in sorted(CASSETTES.glob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            request = interaction["request"]
            parts = urlsplit(request["uri"])
            body = request["body"]
            seen.append(
                SimpleNamespace(
                    method=request["method"],
                    path=parts.path,
                    query=parse_qs(parts.query),
                    body=json.loads(body) if body else None,
                )
            )
    assert assert_task_requests_fit(seen) > 100
