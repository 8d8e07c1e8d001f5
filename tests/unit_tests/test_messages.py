"""LangChain messages become the string-only, role-merged list the API accepts."""

from __future__ import annotations

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_parallel._messages import to_wire
from langchain_parallel.errors import InputError


def test_roles_and_name() -> None:
    wire = to_wire(
        [
            SystemMessage("Be brief."),
            HumanMessage("Hi", name="ada"),
            AIMessage("Hello"),
            ChatMessage(role="user", content="Again"),
        ]
    )
    assert wire == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi", "name": "ada"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Again"},
    ]


def test_consecutive_same_role_merged() -> None:
    wire = to_wire(
        [
            SystemMessage("You are a helpful assistant."),
            SystemMessage("Always be polite and concise."),
            HumanMessage("What is the weather like today?"),
        ]
    )
    assert wire == [
        {
            "role": "system",
            "content": "You are a helpful assistant.\n\nAlways be polite and concise.",
        },
        {"role": "user", "content": "What is the weather like today?"},
    ]


def test_merged_speakers_keep_their_names() -> None:
    wire = to_wire([HumanMessage("Hi", name="ada"), HumanMessage("Hey", name="bob")])
    assert wire == [{"role": "user", "content": "ada: Hi\n\nbob: Hey"}]


@pytest.mark.parametrize(
    "content",
    [
        ["What is ", {"type": "text", "text": "new?"}],
        [{"type": "text", "text": "What is "}, {"type": "text", "text": "new?"}],
        [{"type": "text", "text": "What is ", "id": "lc_1", "annotations": []}, "new?"],
    ],
)
def test_text_parts_joined_into_one_string(content: list) -> None:
    assert to_wire([HumanMessage(content=content)]) == [
        {"role": "user", "content": "What is \nnew?"}
    ]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        {"type": "image", "url": "https://x/y.png"},
        {"type": "image", "base64": "aGk=", "mime_type": "image/png"},
        {"type": "audio", "base64": "aGk=", "mime_type": "audio/wav"},
        {"type": "input_audio", "input_audio": {"data": "aGk=", "format": "wav"}},
        {"type": "file", "base64": "aGk=", "mime_type": "application/pdf"},
        {"type": "video", "url": "https://x/y.mp4"},
    ],
)
def test_media_refused(block: dict) -> None:
    with pytest.raises(InputError, match="reads text only"):
        to_wire([HumanMessage(content=[{"type": "text", "text": "see"}, block])])


def test_unknown_block_refused() -> None:
    with pytest.raises(InputError, match="'thinking'"):
        to_wire([HumanMessage("q"), AIMessage(content=[{"type": "thinking"}])])


@pytest.mark.parametrize(
    "message",
    [
        ToolMessage("42", tool_call_id="call_1"),
        FunctionMessage("42", name="adder"),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "1"}]),
    ],
)
def test_tool_traffic_refused(message: object) -> None:
    with pytest.raises(InputError, match="no tool calling"):
        to_wire([HumanMessage("q"), message])  # type: ignore[list-item]


def test_unknown_chat_role_refused() -> None:
    with pytest.raises(InputError, match="'critic'"):
        to_wire([HumanMessage("q"), ChatMessage(role="critic", content="meh")])


def test_empty_and_system_only_refused() -> None:
    with pytest.raises(InputError, match="No messages"):
        to_wire([])
    with pytest.raises(InputError, match="no human message"):
        to_wire([SystemMessage("You are helpful.")])


def test_large_and_non_ascii_text_sent_whole() -> None:
    big = "é漢🙂" * 350_000
    assert to_wire([HumanMessage(big)])[0]["content"] == big
