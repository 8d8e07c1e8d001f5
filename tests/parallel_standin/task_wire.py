"""Task API bodies: request checks (422s) and answers, per `parallel-openapi.json`.

Checks follow the document's schemas: `TaskRunInput` (processor, input, metadata,
task_spec, source_policy, ...), `TaskSpec` (a JSON, text or auto output schema, or a
bare string), `TaskGroupRunRequest` (at most 1,000 inputs) and
`CreateTaskGroupRequest`. Unknown fields are ignored, as the API's FastAPI models do.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .chat import basis
from .schema_values import instance

if TYPE_CHECKING:
    from .tasks import Run

MAX_RUNS_PER_REQUEST = 1000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def invalid(loc: list[Any], msg: str, kind: str = "value_error") -> dict[str, Any]:
    """FastAPI's 422 body for one problem at `loc`."""
    return {"detail": [{"loc": loc, "msg": msg, "type": kind}]}


def _metadata(value: Any, loc: list[Any]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return invalid(loc, "Input should be a valid dictionary", "dict_type")
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool):
            return invalid([*loc, key], "Input should be a string, number or boolean")
        if len(key) > 16 or (isinstance(item, str) and len(item) > 512):
            return invalid([*loc, key], "Keys are at most 16, values 512 characters")
    return None


def _output_schema(value: Any, loc: list[Any]) -> dict[str, Any] | None:
    if isinstance(value, str):
        return None  # a bare string is a text schema
    if not isinstance(value, dict) or value.get("type") not in ("json", "text", "auto"):
        return invalid(loc, "Input should be a JSON, text or auto schema, or a string")
    if value["type"] == "json":
        schema = value.get("json_schema")
        if not isinstance(schema, dict):
            return invalid([*loc, "json_schema"], "Field required", "missing")
        if schema.get("type") != "object" or not isinstance(
            schema.get("properties"), dict
        ):
            return invalid(
                [*loc, "json_schema"],
                "The output JSON schema must be an object with properties",
            )
    return None


def task_spec(value: Any, loc: list[Any]) -> dict[str, Any] | None:
    """The problem with a `TaskSpec`, if any."""
    if value is None:
        return None
    if not isinstance(value, dict) or "output_schema" not in value:
        return invalid([*loc, "output_schema"], "Field required", "missing")
    return _output_schema(value["output_schema"], [*loc, "output_schema"])


def _source_policy(value: Any, loc: list[Any]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return invalid(loc, "Input should be a valid dictionary", "dict_type")
    for key in ("include_domains", "exclude_domains"):
        domains = value.get(key, [])
        if not isinstance(domains, list) or not all(
            isinstance(d, str) for d in domains
        ):
            return invalid([*loc, key], "Input should be a list of strings")
    after = value.get("after_date")
    if after is not None and not (isinstance(after, str) and _DATE.match(after)):
        return invalid([*loc, "after_date"], "Input should be a date (YYYY-MM-DD)")
    return None


def check_run_input(body: Any, loc: list[Any]) -> dict[str, Any] | None:
    """The 422 body for an invalid `TaskRunInput`, or None."""
    from .tasks import LATENCY

    if not isinstance(body, dict):
        return invalid(loc, "Input should be a valid dictionary", "dict_type")
    if body.get("processor") not in LATENCY:
        return invalid(
            [*loc, "processor"],
            f"Unknown processor {body.get('processor')!r}; use one of "
            f"{', '.join(LATENCY)}",
        )
    if not isinstance(body.get("input"), str | dict):
        return invalid([*loc, "input"], "Input should be a string or an object")
    if body.get("enable_events") not in (None, True, False):
        return invalid([*loc, "enable_events"], "Input should be a boolean")
    previous = body.get("previous_interaction_id")
    if previous is not None and not isinstance(previous, str):
        return invalid([*loc, "previous_interaction_id"], "Input should be a string")
    return (
        _metadata(body.get("metadata"), [*loc, "metadata"])
        or task_spec(body.get("task_spec"), [*loc, "task_spec"])
        or _source_policy(body.get("source_policy"), [*loc, "source_policy"])
    )


def check_group(body: Any) -> dict[str, Any] | None:
    """The 422 body for an invalid `CreateTaskGroupRequest`, or None."""
    if not isinstance(body, dict):
        return invalid(["body"], "Input should be a valid dictionary", "dict_type")
    return _metadata(body.get("metadata"), ["body", "metadata"])


def check_add_runs(body: Any) -> dict[str, Any] | None:
    """The 422 body for an invalid `TaskGroupRunRequest`, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        return invalid(["body", "inputs"], "Field required", "missing")
    inputs = body["inputs"]
    if len(inputs) > MAX_RUNS_PER_REQUEST:
        return invalid(
            ["body", "inputs"],
            f"Up to {MAX_RUNS_PER_REQUEST} runs can be specified per request",
            "too_long",
        )
    default = body.get("default_task_spec")
    problem = task_spec(default, ["body", "default_task_spec"])
    for index, item in enumerate(inputs):
        if problem is not None:
            break
        problem = check_run_input(item, ["body", "inputs", index])
    return problem


# --- answers ---------------------------------------------------------------------


def _question(run: Run) -> str:
    value = run.request["input"]
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def output(run: Run) -> dict[str, Any]:
    """The run's `TaskRunTextOutput` or `TaskRunJsonOutput`, with its basis."""
    question = _question(run)
    spec = run.request.get("task_spec") or {"output_schema": {"type": "auto"}}
    schema = spec["output_schema"]
    kind = "text" if isinstance(schema, str) else schema["type"]
    processor = run.request["processor"]
    previous = run.request.get("previous_interaction_id")
    context = f"Continuing the research of {previous}. " if previous else ""
    if kind == "text":
        content = (
            f"{context}Stand-in research answer from the {processor} processor "
            f"to: {question[:300]}"
        )
        return {
            "type": "text",
            "content": content,
            "basis": [basis("output", question, 0)],
        }
    if kind == "json":
        value = instance(schema["json_schema"], question)
        extra: dict[str, Any] = {}
    else:  # auto: the fields the input names in quotes, and the schema it chose
        keys = re.findall(r"'([A-Za-z_][A-Za-z0-9_]*)'", question) or ["answer"]
        value = {k: f"{context}Stand-in {k} about: {question[:60]}" for k in keys}
        properties = {k: {"type": "string"} for k in keys}
        extra = {"output_schema": {"type": "object", "properties": properties}}
    fields = list(value) if isinstance(value, dict) else ["output"]
    return {
        "type": "json",
        "content": value,
        "basis": [basis(name, question, i) for i, name in enumerate(fields)],
        **extra,
    }


def progress(run: Run) -> list[tuple[float, dict[str, Any]]]:
    """The run's progress events, each at a fraction of its processing time."""
    topic = _question(run)[:80]

    def message(kind: str, text: str) -> dict[str, Any]:
        return {
            "type": f"task_run.progress_msg.{kind}",
            "message": text,
            "timestamp": None,
        }

    def stats(read: int, considered: int, meter: float) -> dict[str, Any]:
        sample = [f"https://example.com/standin/source/{i}" for i in range(read)][:3]
        return {
            "type": "task_run.progress_stats",
            "source_stats": {
                "num_sources_considered": considered,
                "num_sources_read": read,
                "sources_read_sample": sample,
            },
            "progress_meter": meter,
        }

    return [
        (0.1, message("plan", f"Planning research on: {topic}")),
        (0.3, message("search", f"Searching the web for {topic}")),
        (0.4, stats(3, 12, 40.0)),
        (0.6, message("result", "Reading and cross-checking 9 sources")),
        (0.8, stats(9, 24, 80.0)),
    ]
