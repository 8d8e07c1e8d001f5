"""Structured output: a JSON schema sent as `response_format`, and a strict parser.

Parallel has no tool calling, so `method="function_calling"` is served by the same
JSON-schema `response_format` as `method="json_schema"`. Whatever the server does
with the schema (Parallel's own sources disagree on whether `speed` honours it), the
answer is checked here: one that is not JSON, or does not fit a pydantic schema,
raises `StructuredOutputError` with the raw text kept on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.utils.function_calling import convert_to_json_schema
from pydantic import BaseModel, ValidationError
from pydantic.v1 import BaseModel as BaseModelV1
from pydantic.v1 import ValidationError as ValidationErrorV1

from langchain_parallel.errors import ConfigError, StructuredOutputError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput

Method = Literal["json_schema", "json_mode", "function_calling"]
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n?```\s*$", re.DOTALL)


def response_format(
    schema: Mapping[str, Any] | type | None, method: Method, strict: bool | None
) -> dict[str, Any]:
    """The `response_format` request field for `schema` and `method`."""
    if method == "json_mode":
        return {"type": "json_object"}
    if method not in ("json_schema", "function_calling"):
        raise ConfigError(
            f"Unknown structured output method {method!r}; use 'json_schema', "
            "'function_calling' or 'json_mode'."
        )
    if schema is None:
        raise ConfigError(
            f"method={method!r} needs a schema; pass a pydantic model, "
            "a TypedDict or a JSON schema dict."
        )
    json_schema = dict(convert_to_json_schema(cast("Any", schema)))
    spec: dict[str, Any] = {
        "name": _name(json_schema),
        "schema": {
            k: v for k, v in json_schema.items() if k not in ("title", "description")
        },
    }
    if json_schema.get("description"):
        spec["description"] = json_schema["description"]
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def _name(json_schema: Mapping[str, Any]) -> str:
    title = str(json_schema.get("title") or "output")
    return re.sub(r"[^A-Za-z0-9_-]", "_", title)[:64]


def _is_model(cls: type) -> bool:
    return issubclass(cls, BaseModel | BaseModelV1)


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        fenced = _FENCE.match(text)
        if fenced is None:
            raise
        return json.loads(fenced.group(1))


def parser(schema: Mapping[str, Any] | type | None) -> RunnableLambda[BaseMessage, Any]:
    """A runnable that turns the answer message into the parsed value."""
    model_cls = schema if isinstance(schema, type) and _is_model(schema) else None
    label = getattr(schema, "__name__", None) or "the schema"
    # TypedDicts and JSON schemas are returned as dicts: check their required keys.
    required: list[str] = []
    if schema is not None and model_cls is None:
        required = list(convert_to_json_schema(cast("Any", schema)).get("required", []))

    def parse(message: BaseMessage) -> Any:
        text = message.text
        try:
            value = _load_json(text)
        except ValueError as exc:
            raise StructuredOutputError(
                f"The answer is not JSON, so it cannot fill {label}: {exc}. The raw "
                "answer is on this error's `raw`.",
                raw=text,
            ) from exc
        if model_cls is None:
            if not isinstance(value, dict):
                raise StructuredOutputError(
                    f"The answer is JSON but not an object: {text[:200]!r}", raw=text
                )
            missing = [key for key in required if key not in value]
            if missing:
                raise StructuredOutputError(
                    f"The answer lacks the required key(s) {missing} of {label}. The "
                    "raw answer is on this error's `raw`.",
                    raw=text,
                )
            return value
        try:
            if issubclass(model_cls, BaseModel):
                return model_cls.model_validate(value)
            return cast("type[BaseModelV1]", model_cls).parse_obj(value)
        except (ValidationError, ValidationErrorV1) as exc:
            raise StructuredOutputError(
                f"The answer does not fit {label}: {exc}. The raw answer is on this "
                "error's `raw`.",
                raw=text,
            ) from exc

    return RunnableLambda(parse, name="ParallelStructuredOutputParser")


def structured_runnable(
    model: BaseChatModel,
    schema: Mapping[str, Any] | type | None,
    *,
    method: Method,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, Any]:
    """`model` bound to the schema, piped into the parser (optionally keeping `raw`)."""
    bound = model.bind(
        response_format=response_format(schema, method, strict),
        ls_structured_output_format={
            "kwargs": {"method": method, "strict": strict},
            "schema": schema,
        },
    )
    parse = parser(schema)
    if not include_raw:
        return bound | parse

    # The model is the sequence's first step (not inside a map), so that a batch
    # reaches the model's own `batch` (one task group for ChatParallelTask).
    def with_raw(raw: BaseMessage) -> dict[str, Any]:
        try:
            parsed = parse.invoke(raw)
        except StructuredOutputError as exc:
            return {"raw": raw, "parsed": None, "parsing_error": exc}
        return {"raw": raw, "parsed": parsed, "parsing_error": None}

    return bound | RunnableLambda(with_raw)
