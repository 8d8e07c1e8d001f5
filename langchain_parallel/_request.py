"""The JSON body of one chat request, built from its sources in one fixed order.

A field set by a later source replaces the same field from an earlier one:

1. constructor fields (`temperature`, `response_format`, `stop`, ...), sent only
   when set, never as `null`;
2. `model_kwargs=` (constructor): extra body fields, as in `ChatOpenAI`;
3. `extra_body=` (constructor): extra body fields, as in the `openai` SDK;
4. the call: arguments of `invoke(..., **kwargs)` / `.bind(...)`, then the call's
   own `extra_body`, then the call's `stop=`.

The call comes last because it is the most specific wish; `extra_body` beats
`model_kwargs` because it is the `openai` SDK's "send exactly this" escape hatch.
`model`, `messages` and `stream` are never taken from these sources: the model comes
from `model=` (call, else constructor), the messages from the conversation, `stream`
from the method called. Each is refused in `model_kwargs` / `extra_body` with an
error that says where it belongs, before any request, rather than silently lost.
`previous_interaction_id`, when no source set it, comes from the constructor's
`chain_interactions` (the latest `interaction_id` in the history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_parallel._messages import latest_interaction_id, to_wire
from langchain_parallel._models import MODELS, unknown_model
from langchain_parallel.errors import ConfigError, InputError

# OpenAI-compatible parameters Parallel accepts and ignores. Sent when set (never as
# null) so that requests stay what the caller wrote.
IGNORED_PARAMS = (
    "temperature",
    "max_tokens",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "seed",
    "user",
    "tools",
    "tool_choice",
)
# Body fields a call may set through `invoke(..., **kwargs)` or `.bind(...)`.
CALL_BODY_PARAMS = frozenset(
    {*IGNORED_PARAMS, "response_format", "previous_interaction_id"}
)
# What else a call may pass: not body fields, or fields handled apart.
CALL_OPTIONS = frozenset({"model", "extra_body", "timeout", "stream"})
_RESERVED = {
    "model": "pass model= to ChatParallelWeb or to the call",
    "messages": "the messages are the conversation you invoke the model with",
    "stream": "call .stream() / .astream(), or set streaming=True",
}


def check_extra(source: str, fields: Mapping[str, Any] | None) -> None:
    """Refuse `model`, `messages` and `stream` in `model_kwargs` / `extra_body`.

    Raises:
        ConfigError: naming the field and where it belongs.

    """
    if not isinstance(fields, Mapping):
        return  # None, or not a mapping: pydantic's validation says so
    for name in sorted(_RESERVED.keys() & fields.keys()):
        raise ConfigError(
            f"{source} may not set {name!r}: {_RESERVED[name]}. The body's "
            "'model', 'messages' and 'stream' are built by ChatParallelWeb."
        )


def build_body(
    *,
    model: str,
    messages: Sequence[BaseMessage],
    constructor: Mapping[str, Any],
    model_kwargs: Mapping[str, Any] | None,
    extra_body: Mapping[str, Any] | None,
    call: Mapping[str, Any],
    stop: list[str] | None = None,
    chain_interactions: bool = False,
) -> dict[str, Any]:
    """The request body, its sources applied in the order of the module docstring.

    Args:
        model: The model from the constructor; a call's `model` replaces it.
        messages: The conversation, converted to Parallel's wire messages here.
        constructor: The constructor's body fields; `None` values are not sent.
        model_kwargs: The constructor's `model_kwargs`.
        extra_body: The constructor's `extra_body`.
        call: The call's arguments (`CALL_BODY_PARAMS`, plus `model` and
            `extra_body`; other options are the caller's to remove).
        stop: The call's `stop=` argument.
        chain_interactions: Continue from the history's latest `interaction_id`
            when no source set `previous_interaction_id`.

    Raises:
        InputError: an unknown model, or a reserved field in the call's
            `extra_body`, before any request.

    """
    model = call.get("model") or model
    if model not in MODELS:
        raise InputError(unknown_model(model))
    # Each source is applied only when it has something: most calls have none
    # but the constructor's, and this runs on every call.
    fields: dict[str, Any] = {k: v for k, v in constructor.items() if v is not None}
    if model_kwargs:
        fields.update(model_kwargs)
    if extra_body:
        fields.update(extra_body)
    if call:
        call_extra = _call_extra(call.get("extra_body"))
        fields.update(
            (k, v) for k, v in call.items() if k in CALL_BODY_PARAMS and v is not None
        )
        if call_extra:
            fields.update(call_extra)
    if stop is not None:
        fields["stop"] = stop
    if fields.get("previous_interaction_id") is None:
        fields.pop("previous_interaction_id", None)
        latest = latest_interaction_id(messages) if chain_interactions else None
        if latest:
            fields["previous_interaction_id"] = latest
    return {"model": model, "messages": to_wire(messages), **fields}


def _call_extra(call_extra: object) -> Mapping[str, Any] | None:
    """The call's own `extra_body`, checked.

    Raises:
        InputError: not a mapping, or it sets a reserved field.

    """
    if call_extra is None:
        return None
    if not isinstance(call_extra, Mapping):
        raise InputError(
            "extra_body must be a dict of body fields, "
            f"got {type(call_extra).__name__}."
        )
    try:
        check_extra("The call's extra_body", call_extra)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    return call_extra
