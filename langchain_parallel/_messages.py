"""LangChain messages to Parallel's chat message list (from which task input is made).

The API takes `role` in system | user | assistant, `content` as one string, and an
optional `name`; it wants consecutive messages of the same role merged. Everything
else is either converted faithfully or refused here, before any request:

- text content parts (strings, `{"type": "text"}` blocks, v1 text blocks) are joined
  with newlines into the one string the API requires;
- images, audio, video and files are refused: the API reads text only;
- tool messages and AI tool calls are refused: the API has no tool calling, and
  sending them as text would change what they mean;
- consecutive messages of one role are joined with a blank line; where their
  `name`s differ, each part is prefixed with its speaker's name so that none is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from typing_extensions import NotRequired

from langchain_parallel.errors import InputError

Role = Literal["system", "user", "assistant"]


class WireMessage(TypedDict):
    """One element of the request's `messages` array."""

    role: Role
    content: str
    name: NotRequired[str]


_CHAT_ROLES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
}
_TEXT_TYPES = frozenset({"text", "input_text", "output_text"})
_MEDIA_TYPES = frozenset(
    {
        "image",
        "image_url",
        "input_image",
        "audio",
        "input_audio",
        "video",
        "file",
        "input_file",
    }
)


def _role(message: BaseMessage, index: int) -> Role:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        if message.tool_calls or message.invalid_tool_calls:
            raise InputError(
                f"Message {index} is an AIMessage with tool calls. Parallel's API "
                "has no tool calling, so the calls cannot be sent; remove them or put "
                "what they did into the message text."
            )
        return "assistant"
    if isinstance(message, ToolMessage | FunctionMessage):
        raise InputError(
            f"Message {index} is a {type(message).__name__}. Parallel's API "
            "has no tool calling; pass tool results as a HumanMessage whose text "
            "says what the tool returned."
        )
    if isinstance(message, ChatMessage) and message.role.lower() in _CHAT_ROLES:
        return _CHAT_ROLES[message.role.lower()]
    role = getattr(message, "role", message.type)
    raise InputError(
        f"Message {index} has role {role!r}; Parallel's API accepts system, "
        "user (human) and assistant (ai) messages only."
    )


def _text(message: BaseMessage, index: int) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for part in content:
        if isinstance(part, str):
            parts.append(part)
            continue
        kind = part.get("type")
        if kind in _TEXT_TYPES and isinstance(part.get("text"), str):
            parts.append(part["text"])
        elif kind in _MEDIA_TYPES:
            raise InputError(
                f"Message {index} contains a {kind!r} block. Parallel's API reads "
                "text only; describe the content in text or use a multimodal model."
            )
        else:
            raise InputError(
                f"Message {index} contains a content block of type {kind!r} that "
                "cannot be sent as text. Pass text blocks or a plain string."
            )
    return "\n".join(parts)


def to_wire(messages: Sequence[BaseMessage]) -> list[WireMessage]:
    """Convert `messages` to the request's `messages` array, or raise `InputError`."""
    if not messages:
        raise InputError("No messages to send: pass at least one human message.")
    groups: list[tuple[Role, list[tuple[str | None, str]]]] = []
    for index, message in enumerate(messages):
        role = _role(message, index)
        item = (message.name, _text(message, index))
        if groups and groups[-1][0] == role:
            groups[-1][1].append(item)
        else:
            groups.append((role, [item]))
    if not any(role == "user" for role, _ in groups):
        raise InputError(
            "The conversation has no human message; Parallel answers a user's "
            "question, so add a HumanMessage (or a ('human', ...) tuple)."
        )
    return [_merge(role, items) for role, items in groups]


def _merge(role: Role, items: list[tuple[str | None, str]]) -> WireMessage:
    if len(items) == 1:  # the usual turn: one message, nothing to join
        name, text = items[0]
        single = WireMessage(role=role, content=text)
        if name:
            single["name"] = name
        return single
    names = {name for name, _ in items}
    if len(names) == 1:
        (name,) = names
        wire = WireMessage(role=role, content="\n\n".join(text for _, text in items))
        if name:
            wire["name"] = name
        return wire
    # Different speakers in one merged turn: keep each name with its words.
    content = "\n\n".join(f"{name}: {text}" if name else text for name, text in items)
    return WireMessage(role=role, content=content)


def latest_interaction_id(messages: Sequence[BaseMessage]) -> str | None:
    """The `interaction_id` of the latest answer in `messages` that has one."""
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            value = message.response_metadata.get("interaction_id")
            if isinstance(value, str) and value:
                return value
    return None
