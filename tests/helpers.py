"""Small helpers shared by the test modules."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk

from langchain_parallel import ChatParallelWeb


def merge_chunks(chunks: Iterable[AIMessageChunk]) -> AIMessageChunk:
    """Merge streamed chunks as a caller would (`full = full + chunk`)."""
    full = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
    assert isinstance(full, AIMessageChunk), "the stream yielded nothing"
    return full


class ParallelCapabilities:
    """What ChatParallelWeb offers, told to LangChain's standard test suites."""

    @property
    def chat_model_class(self) -> type[ChatParallelWeb]:
        return ChatParallelWeb

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


class TaskCapabilities:
    """What ChatParallelTask offers, told to LangChain's standard test suites."""

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        from langchain_parallel import ChatParallelTask

        return ChatParallelTask

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        # temperature, max_tokens and stop mean nothing to the Task API, so
        # ChatParallelTask refuses them instead of ignoring them (tested in
        # test_task_model.py); the suites' other standard parameters apply.
        return {"timeout": 60, "max_retries": 2}

    @property
    def has_tool_calling(self) -> bool:
        return False  # bind_tools exists only to refuse clearly

    @property
    def has_structured_output(self) -> bool:
        return True  # the Task API's native JSON output schema

    @property
    def supports_json_mode(self) -> bool:
        return True  # served by the Task API's `auto` output schema

    @property
    def returns_usage_metadata(self) -> bool:
        return False  # the Task API reports no token usage


# TaskRunInput's properties in parallel-openapi.json (0.1.2). The SDK's
# TaskRunCreateParams also names `memory_scope_key`, which the document does not:
# where the two disagree we follow the document, so a request may not carry it.
TASK_RUN_INPUT_FIELDS = frozenset(
    {
        "processor",
        "metadata",
        "source_policy",
        "advanced_settings",
        "task_spec",
        "input",
        "previous_interaction_id",
        "mcp_servers",
        "enable_events",
        "webhook",
    }
)
MAX_RUNS_PER_ADD = 1000  # TaskGroupRunRequest.inputs: "Up to 1,000 runs"


def assert_task_requests_fit(seen: Iterable[Any]) -> int:
    """Check every Task API request the stand-in saw; return how many there were.

    Bodies are validated with pydantic over the SDK's request TypedDicts, and
    their keys against the document's schemas.
    """
    from parallel.types.run_input_param import RunInputParam
    from parallel.types.task_group_add_runs_params import TaskGroupAddRunsParams
    from parallel.types.task_group_create_params import TaskGroupCreateParams
    from parallel.types.task_run_create_params import TaskRunCreateParams
    from pydantic import TypeAdapter

    create, add = TypeAdapter(TaskRunCreateParams), TypeAdapter(TaskGroupAddRunsParams)
    group, one_of_many = TypeAdapter(TaskGroupCreateParams), TypeAdapter(RunInputParam)

    def run_input(body: Any, adapter: Any) -> None:
        adapter.validate_python(body)
        assert set(body) <= TASK_RUN_INPUT_FIELDS, set(body) - TASK_RUN_INPUT_FIELDS

    count = 0
    for request in seen:
        path, query = request.path, request.query
        if not path.startswith("/v1/tasks/"):
            continue
        count += 1
        if request.method == "POST" and path == "/v1/tasks/runs":
            run_input(request.body, create)
        elif request.method == "POST" and path == "/v1/tasks/groups":
            group.validate_python(request.body or {})
        elif request.method == "POST" and path.endswith("/runs"):
            add.validate_python(request.body)
            assert set(request.body) <= {"inputs", "default_task_spec"}
            assert 1 <= len(request.body["inputs"]) <= MAX_RUNS_PER_ADD
            for item in request.body["inputs"]:
                run_input(item, one_of_many)
        elif path.endswith("/result"):
            assert set(query) <= {"timeout"}
            assert 1 <= int(query["timeout"][0]) <= 600
        elif path.endswith("/events") and "/groups/" in path:
            assert set(query) <= {"last_event_id", "timeout"}
            float(query.get("timeout", ["0"])[0])
        elif path.endswith("/runs"):
            assert set(query) <= {
                "last_event_id",
                "status",
                "include_input",
                "include_output",
            }
        else:
            assert request.method == "GET", (request.method, path)
            assert not query, (path, query)
    return count


def ctrl_c_once_requested(standin: Any, path_suffix: str) -> threading.Thread:
    """Press Ctrl-C (SIGINT to this process) once the stand-in sees such a request.

    Waiting for the request, rather than a fixed delay, makes sure the interrupt
    lands in the wait it is meant for, however slow the machine.
    """

    def watch() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(r.path.endswith(path_suffix) for r in list(standin.requests)):
                time.sleep(0.05)  # let the client settle into the wait
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread
