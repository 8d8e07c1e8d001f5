"""One Task API run: the request, the answer, progress events and durable errors.

A run is created once and then lives at Parallel, however long the client waits. So
everything raised after creation names the run (`error.run_id`), and an interrupted
wait (Ctrl-C, a cancelled task, the time budget) says how to collect it later. This
module names the run on errors that `_transport.translated` made ours; the waiting
loops (sync and async alike) live in `_task_wait.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from langchain_parallel._messages import WireMessage, to_wire
from langchain_parallel._transport import translated
from langchain_parallel.errors import (
    ConfigError,
    NotFoundError,
    ParallelError,
    StreamError,
    TaskRunFailedError,
)

if TYPE_CHECKING:
    import parallel
    from parallel.types import TaskRun, TaskRunEventsResponse
    from parallel.types.task_run_result import Output

PROVIDER = "parallel_task"
TERMINAL = frozenset({"completed", "failed", "cancelled"})
logger = logging.getLogger("langchain_parallel.tasks")

_LABELS = {"system": "Instructions", "user": "User", "assistant": "Assistant"}


# --- the request -------------------------------------------------------------


def task_input(messages: Sequence[BaseMessage]) -> str:
    """The run's `input`: the last human message, earlier turns appended as context.

    Messages are checked and merged as for the Chat API (text only, no tool calls).
    """
    wire = to_wire(messages)
    last = max(i for i, m in enumerate(wire) if m["role"] == "user")
    context = [_labelled(m) for i, m in enumerate(wire) if i != last]
    if not context:
        return wire[last]["content"]
    return (
        f"{wire[last]['content']}\n\n"
        "Context: the conversation so far (oldest first):\n\n" + "\n\n".join(context)
    )


def _labelled(message: WireMessage) -> str:
    label = _LABELS[message["role"]]
    name = message.get("name")
    head = f"{label} ({name})" if name else label
    return f"{head}: {message['content']}"


# Run fields the model sets, which `extra_body` may not overwrite.
_OWN_FIELDS = frozenset(
    {
        "processor",
        "input",
        "task_spec",
        "previous_interaction_id",
        "source_policy",
        "metadata",
        "enable_events",
    }
)


def check_extra_body(extra: Mapping[str, Any] | None) -> None:
    """Refuse `extra_body` fields that would overwrite what the model sets."""
    clash = sorted(set(extra or ()) & _OWN_FIELDS)
    if clash:
        raise ConfigError(
            f"extra_body may not set {clash}: the model sets them; pass them as "
            "arguments (model=, task_output_schema=, previous_interaction_id=, ...)."
        )


def output_schema(
    declared: str | Mapping[str, Any] | None,
    response_format: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The task spec's `output_schema`, from the model's field or `response_format`.

    `response_format` is what `with_structured_output` (and OpenAI-style callers)
    send: `json_schema` becomes the Task API's native JSON schema, `json_object`
    its `auto` schema (Parallel picks the fields), `text` plain text.
    """
    if declared is not None and response_format is not None:
        raise ConfigError(
            "Both task_output_schema and response_format are set for one call; "
            "pass one of them (with_structured_output sets response_format)."
        )
    if response_format is not None:
        kind = response_format.get("type")
        if kind == "json_schema":
            spec = response_format.get("json_schema") or {}
            schema = dict(spec.get("schema") or {})
            if spec.get("description") and "description" not in schema:
                schema["description"] = spec["description"]
            return _json_schema(schema)
        if kind == "json_object":
            return {"type": "auto"}
        if kind == "text":
            return {"type": "text"}
        raise ConfigError(
            f"response_format type {kind!r} is not one the Task API can honour; use "
            "'json_schema', 'json_object' or 'text'."
        )
    if declared is None:
        return {"type": "text"}  # a chat model answers in text unless asked not to
    if isinstance(declared, str):
        return {"type": "text", "description": declared}
    if (
        declared.get("type") in ("text", "json", "auto")
        and "properties" not in declared
    ):
        return dict(declared)
    return _json_schema(dict(declared))


def _json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise ConfigError(
            "The Task API's JSON output schema must describe an object with "
            "'properties' at its root; wrap a list or a value in an object field."
        )
    return {"type": "json", "json_schema": schema}


def create(client: parallel.Parallel, body: Mapping[str, Any]) -> TaskRun:
    """Create the run; fields the SDK's `create` does not name go as `extra_body`."""
    known, extra = _split(body)
    return client.task_run.create(**known, extra_body=extra or None)


async def acreate(client: parallel.AsyncParallel, body: Mapping[str, Any]) -> TaskRun:
    """`create`, on the event loop."""
    known, extra = _split(body)
    return await client.task_run.create(**known, extra_body=extra or None)


def _split(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from parallel.types.task_run_create_params import TaskRunCreateParams

    named = TaskRunCreateParams.__annotations__
    known = {k: v for k, v in body.items() if k in named}
    return known, {k: v for k, v in body.items() if k not in named}


# --- the answer ----------------------------------------------------------------


def answer_metadata(run: TaskRun, output: Output) -> dict[str, Any]:
    """`response_metadata` of a finished run's answer."""
    meta: dict[str, Any] = {
        "model_name": run.processor,
        "model": run.processor,
        "model_provider": PROVIDER,
        "finish_reason": "stop",
        "run_id": run.run_id,
        "interaction_id": run.interaction_id,
        "processor": run.processor,
        "status": run.status,
        "output_type": output.type,
        "warnings": [w.to_dict(mode="json") for w in run.warnings or ()],
        "basis": [b.to_dict(mode="json") for b in output.basis],
    }
    if run.created_at:
        meta["created_at"] = run.created_at
    if run.task_group_id:
        meta["taskgroup_id"] = run.task_group_id
    schema = getattr(output, "output_schema", None)
    if schema:
        meta["output_schema"] = schema  # what an `auto` run chose
    return meta


def answer_text(output: Output) -> str:
    """The answer's content: text, or the JSON object as JSON text."""
    if output.type == "text":
        return str(output.content)
    return json.dumps(output.content, ensure_ascii=False)


def answer_message(run: TaskRun, output: Output) -> AIMessage:
    """The `AIMessage` for a completed run."""
    return AIMessage(
        content=answer_text(output), response_metadata=answer_metadata(run, output)
    )


def answer_chunk(run: TaskRun, output: Output) -> ChatGenerationChunk:
    """The last chunk of a stream: the whole answer with its metadata, once."""
    message = AIMessageChunk(
        content=answer_text(output),
        response_metadata=answer_metadata(run, output),
        chunk_position="last",
    )
    return ChatGenerationChunk(message=message)


def progress_chunk(line: str) -> ChatGenerationChunk:
    """A progress line as a chunk with empty text and a reasoning block.

    The line travels in `additional_kwargs["reasoning_content"]` (newline-ended, so
    merged chunks keep one line per event); the `parallel_task` block translator
    shows it as a `{"type": "reasoning"}` content block, and `chunk.content` stays
    `""`, so printing the content prints the answer only (with `output_version=
    "v1"`, content is the blocks, as for every model).
    """
    message = AIMessageChunk(
        content="",
        additional_kwargs={"reasoning_content": f"{line}\n"},
        response_metadata={"model_provider": PROVIDER},
    )
    return ChatGenerationChunk(message=message)


class EventReader:
    """Turns a run's events into progress lines and notices when the run ends."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self.finished: TaskRun | None = None
        self.output: Output | None = None
        self._last_stats = ""

    def read(self, event: TaskRunEventsResponse) -> str | None:
        """The progress line for `event`, if it has one worth showing."""
        kind = event.type
        if event.type == "error":
            raise StreamError(
                f"The run's event stream reported an error: {event.error.message}",
                server_message=event.error.message,
                request_id=event.error.ref_id,
            )
        if event.type == "task_run.state":
            if event.run.status in TERMINAL or not event.run.is_active:
                self.finished, self.output = event.run, event.output
                return None
            return f"Status: {event.run.status}"
        if event.type == "task_run.progress_stats":
            stats = event.source_stats
            line = (
                f"Sources: {stats.num_sources_read or 0} read of "
                f"{stats.num_sources_considered or 0} considered "
                f"({event.progress_meter:.0f}% done)"
            )
            if line == self._last_stats:
                return None
            self._last_stats = line
            return line
        if kind.startswith("task_run.progress_msg."):
            step = kind.rsplit(".", 1)[1].replace("_", " ")
            return f"{step.capitalize()}: {event.message}"
        return None


# --- failures and durability ----------------------------------------------------


def resume_hint(run_id: str) -> str:
    """How to collect a run that goes on after the client stopped waiting."""
    return (
        f"The task run {run_id} goes on at Parallel; collect its answer later with "
        f"ChatParallelTask().result({run_id!r}) (or await .aresult(...))."
    )


def failed(run: TaskRun) -> TaskRunFailedError:
    """The error for a run that ended failed or cancelled."""
    reason = run.error.message if run.error is not None else "no reason given"
    error = TaskRunFailedError(
        f"Task run {run.run_id} on {run.processor!r} ended {run.status}: {reason}",
        server_message=reason,
        request_id=run.error.ref_id if run.error is not None else None,
        body=run.to_dict(mode="json"),
    )
    error.status = run.status
    error.run_id = run.run_id
    return error


def add_hint(error: ParallelError, hint: str) -> None:
    """Append `hint` to the error's sentence: `str(error)` and `error.message` alike."""
    if not error.args:
        return
    text = f"{error.args[0]} {hint}"
    error.args = (text, *error.args[1:])
    if isinstance(getattr(error, "message", None), str):
        error.message = text  # type: ignore[attr-defined]


def name_run(error: ParallelError, run_id: str) -> ParallelError:
    """Put `run_id` on `error`, and say how to collect the run if it goes on."""
    if error.run_id is not None:
        return error
    error.run_id = run_id
    # A failed run, or one the API does not know, has nothing left to collect.
    if not isinstance(error, TaskRunFailedError | NotFoundError):
        add_hint(error, resume_hint(run_id))
    return error


@contextmanager
def going_on(
    timeout: float | None,
    mark: tuple[str, str],
    hint: str,
    name: Callable[[ParallelError], object],
) -> Iterator[None]:
    """Translate SDK errors; every error raised inside names what goes on at Parallel.

    `name` marks our errors (the id, and `hint` when there is something to collect).
    Ctrl-C and task cancellation stay what they are (the caller asked to stop): they
    get `mark` as an attribute (`run_id`, `taskgroup_id`) and `hint` as a note.
    """
    try:
        with translated(timeout):
            yield
    except ParallelError as exc:
        name(exc)
        raise
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        setattr(exc, *mark)
        if hasattr(exc, "add_note"):  # Python 3.11+: shown under the traceback
            exc.add_note(hint)
        logger.warning("Stopped waiting. %s", hint)
        raise


@contextmanager
def durable(run_id: str | None, timeout: float | None) -> Iterator[None]:
    """Translate SDK errors and name the run on every error raised inside.

    Before the run exists (`run_id` None) this only translates.
    """
    if run_id is None:
        with translated(timeout):
            yield
        return
    hint = resume_hint(run_id)
    with going_on(timeout, ("run_id", run_id), hint, partial(name_run, run_id=run_id)):
        yield
