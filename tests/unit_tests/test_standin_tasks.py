"""The stand-in's Task API answers as the SDK's response models read them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import STANDIN_KEY
from parallel.types import (
    TaskGroup,
    TaskGroupEventsResponse,
    TaskGroupRunResponse,
    TaskRun,
    TaskRunEventsResponse,
    TaskRunResult,
)
from parallel.types.task_group_get_runs_response import TaskGroupGetRunsResponse
from parallel_standin import StandIn
from pydantic import TypeAdapter

TEXT_SPEC = {"output_schema": {"type": "text"}}
# Fields parallel-openapi.json requires where the SDK's models make them optional;
# where the two disagree the stand-in follows the document.
DOC_REQUIRED_RUN = {"created_at", "modified_at"}
DOC_REQUIRED_STATUS = {"status_message", "modified_at"}


@pytest.fixture
def api(standin: StandIn) -> Iterator[httpx.Client]:
    headers = {"x-api-key": STANDIN_KEY}
    with httpx.Client(base_url=standin.url, headers=headers, timeout=10) as client:
        yield client


def events(response: httpx.Response) -> list[dict[str, Any]]:
    return [
        json.loads(line[6:])
        for line in response.text.splitlines()
        if line.startswith("data: ")
    ]


def run(api: httpx.Client, **body: Any) -> dict[str, Any]:
    response = api.post(
        "/v1/tasks/runs", json={"processor": "lite", "input": "Q", **body}
    )
    assert response.status_code == 202
    TaskRun.model_validate(response.json())
    assert set(response.json()) >= DOC_REQUIRED_RUN
    return response.json()


def test_a_run_from_creation_to_result(standin: StandIn, api: httpx.Client) -> None:
    created = run(api, task_spec=TEXT_SPEC, enable_events=True)
    assert (created["status"], created["is_active"]) == ("queued", True)
    stream = api.get(f"/v1/tasks/runs/{created['run_id']}/events")
    seen = [
        TypeAdapter(TaskRunEventsResponse).validate_python(e) for e in events(stream)
    ]
    assert seen[0].type == "task_run.progress_msg.plan"
    assert seen[-1].type == "task_run.state"
    assert seen[-1].run.status == "completed"
    result = api.get(
        f"/v1/tasks/runs/{created['run_id']}/result", params={"timeout": 5}
    )
    parsed = TaskRunResult.model_validate(result.json())
    assert parsed.output.type == "text"
    assert parsed.output.basis[0].field == "output"
    echoed = api.get(f"/v1/tasks/runs/{created['run_id']}/input").json()
    assert echoed["task_spec"] == TEXT_SPEC


def test_unfinished_result_is_408_and_failed_is_404(
    standin: StandIn, api: httpx.Client
) -> None:
    standin.tasks.time_scale = 1.0
    created = run(api)
    late = api.get(f"/v1/tasks/runs/{created['run_id']}/result", params={"timeout": 1})
    assert late.status_code == 408
    assert late.json()["error"]["message"] == "Request timed out; run still active"
    failed = run(api, input="Q [standin:fail]")
    standin.tasks.advance(10)
    gone = api.get(f"/v1/tasks/runs/{failed['run_id']}/result")
    assert gone.status_code == 404
    state = TaskRun.model_validate(api.get(f"/v1/tasks/runs/{failed['run_id']}").json())
    assert state.status == "failed"
    assert state.error is not None


def test_premium_processors_record_events_by_default(api: httpx.Client) -> None:
    quiet = run(api, processor="core")
    loud = run(api, processor="pro")
    assert len(events(api.get(f"/v1/tasks/runs/{quiet['run_id']}/events"))) == 1
    assert len(events(api.get(f"/v1/tasks/runs/{loud['run_id']}/events"))) > 1


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"processor": "turbo", "input": "Q"}, ["body", "processor"]),
        ({"processor": "lite"}, ["body", "input"]),
        (
            {"processor": "lite", "input": "Q", "metadata": {"k": []}},
            ["body", "metadata", "k"],
        ),
        (
            {
                "processor": "lite",
                "input": "Q",
                "task_spec": {"output_schema": {"type": "xml"}},
            },
            ["body", "task_spec", "output_schema"],
        ),
        (
            {
                "processor": "lite",
                "input": "Q",
                "task_spec": {
                    "output_schema": {"type": "json", "json_schema": {"type": "array"}}
                },
            },
            ["body", "task_spec", "output_schema", "json_schema"],
        ),
        (
            {
                "processor": "lite",
                "input": "Q",
                "source_policy": {"after_date": "May 1"},
            },
            ["body", "source_policy", "after_date"],
        ),
    ],
)
def test_invalid_runs_are_422(
    api: httpx.Client, body: dict[str, Any], loc: list[Any]
) -> None:
    response = api.post("/v1/tasks/runs", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_a_group_with_a_failing_member(standin: StandIn, api: httpx.Client) -> None:
    group = api.post("/v1/tasks/groups", json={"metadata": {"job": "t"}}).json()
    TaskGroup.model_validate(group)
    assert set(group["status"]) >= DOC_REQUIRED_STATUS
    gid = group["taskgroup_id"]
    inputs = [{"processor": "lite", "input": q} for q in ("a", "b [standin:fail]", "c")]
    added = api.post(
        f"/v1/tasks/groups/{gid}/runs",
        json={"inputs": inputs, "default_task_spec": TEXT_SPEC},
    )
    response = TaskGroupRunResponse.model_validate(added.json())
    assert len(response.run_ids) == 3
    stream = events(api.get(f"/v1/tasks/groups/{gid}/events"))
    parsed = [TypeAdapter(TaskGroupEventsResponse).validate_python(e) for e in stream]
    assert parsed[-1].type == "task_group_status"
    assert not parsed[-1].status.is_active
    assert parsed[-1].status.task_run_status_counts == {"completed": 2, "failed": 1}
    runs = events(
        api.get(f"/v1/tasks/groups/{gid}/runs", params={"include_output": "true"})
    )
    listed = [TypeAdapter(TaskGroupGetRunsResponse).validate_python(e) for e in runs]
    assert [r.run.run_id for r in listed] == response.run_ids
    assert [r.output is not None for r in listed] == [True, False, True]
    rest = events(
        api.get(f"/v1/tasks/groups/{gid}/runs", params={"last_event_id": "0"})
    )
    assert [r["run"]["run_id"] for r in rest] == response.run_ids[1:]
    one = api.get(f"/v1/tasks/groups/{gid}/runs/{response.run_ids[1]}")
    assert TaskRun.model_validate(one.json()).status == "failed"


def test_group_events_resume_and_close_after_their_timeout(
    standin: StandIn, api: httpx.Client
) -> None:
    standin.tasks.time_scale = 1.0
    gid = api.post("/v1/tasks/groups", json={}).json()["taskgroup_id"]
    api.post(
        f"/v1/tasks/groups/{gid}/runs",
        json={"inputs": [{"processor": "lite", "input": "Q"}]},
    )
    first = events(api.get(f"/v1/tasks/groups/{gid}/events", params={"timeout": 0.05}))
    assert [e["status"]["is_active"] for e in first] == [True, True]  # closed early
    standin.tasks.advance(10)
    rest = events(
        api.get(
            f"/v1/tasks/groups/{gid}/events",
            params={"last_event_id": first[-1]["event_id"]},
        )
    )
    assert [e["type"] for e in rest] == [
        "task_group_status",
        "task_run.state",
        "task_group_status",
    ]


def test_more_than_a_thousand_runs_per_request_is_422(api: httpx.Client) -> None:
    gid = api.post("/v1/tasks/groups", json={}).json()["taskgroup_id"]
    inputs = [{"processor": "lite", "input": "Q"}] * 1001
    response = api.post(f"/v1/tasks/groups/{gid}/runs", json={"inputs": inputs})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "too_long"


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    assert api.get("/v1/tasks/runs/trun_x").status_code == 404
    assert api.get("/v1/tasks/groups/tgrp_x/events").status_code == 404
