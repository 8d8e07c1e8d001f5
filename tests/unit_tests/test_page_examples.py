"""The integration page's code blocks, verbatim, against the stand-in.

Each block below is copied unchanged from Parallel's integration page for LangChain
(the page this package implements); they run in order in one namespace, as in a
notebook, with PARALLEL_API_KEY and PARALLEL_BASE_URL pointing at the stand-in.
Top-level `await` runs inside an event loop, as a notebook cell would.
"""

from __future__ import annotations

import ast
import asyncio
import textwrap
from typing import Any

import pytest
from parallel_standin import Fault, StandIn

CREDENTIALS = """
import getpass
import os

if not os.environ.get("PARALLEL_API_KEY"):
    os.environ["PARALLEL_API_KEY"] = getpass.getpass("Enter your Parallel API key: ")
"""

INSTANTIATE = """
from langchain_parallel import ChatParallelWeb

llm = ChatParallelWeb(
    model="speed",
    # temperature=0.7,
    # max_tokens=None,
    # timeout=None,
    # max_retries=2,
    # api_key="...",  # 如果您希望直接传入 API 密钥
    # base_url="https://api.parallel.ai",
    # other params...
)
"""

INVOKE = """
messages = [
    (
        "system",
        "You are a helpful assistant with access to real-time web information.",
    ),
    ("human", "What are the latest developments in AI?"),
]
ai_msg = llm.invoke(messages)
ai_msg
"""

PRINT_CONTENT = """
print(ai_msg.content)
"""

CHAIN = """
from langchain_core.prompts import ChatPromptTemplate

prompt = ChatPromptTemplate(
    [
        (
            "system",
            "You are a helpful research assistant with access to real-time web information. "
            "Provide comprehensive answers about {topic} with current data.",
        ),
        ("human", "{question}"),
    ]
)

chain = prompt | llm
chain.invoke(
    {
        "topic": "artificial intelligence",
        "question": "What are the most significant AI breakthroughs in 2025?",
    }
)
"""

STREAM = """
for chunk in llm.stream(messages):
    print(chunk.content, end="")
"""

ASYNC = """
# 异步调用
ai_msg = await llm.ainvoke(messages)

# 异步流式传输
async for chunk in llm.astream(messages):
    print(chunk.content, end="")
"""

USAGE = """
ai_msg = llm.invoke(messages)
print(ai_msg.usage_metadata)
"""

METADATA = """
ai_msg = llm.invoke(messages)
print(ai_msg.response_metadata)
"""

ERRORS = """
from langchain_parallel import ChatParallelWeb

try:
    llm = ChatParallelWeb(api_key="invalid-key")
    response = llm.invoke([("human", "Hello")])
except ValueError as e:
    if "Authentication failed" in str(e):
        print("Invalid API key provided")
    elif "Rate limit exceeded" in str(e):
        print("API rate limit exceeded, please try again later")
"""

COMPATIBLE = """
llm = ChatParallelWeb(
    model="speed",
    # 这些参数会被 Parallel 接受但忽略
    response_format={"type": "json_object"},
    tools=[{"type": "function", "function": {"name": "example"}}],
    tool_choice="auto",
    top_p=1.0,
    frequency_penalty=0.0,
    presence_penalty=0.0,
    logit_bias={},
    seed=42,
    user="user-123"
)
"""

MERGING = """
from langchain.messages import HumanMessage, SystemMessage

# 这些连续的系统消息将被自动合并
messages = [
    SystemMessage("You are a helpful assistant."),
    SystemMessage("Always be polite and concise."),
    HumanMessage("What is the weather like today?")
]

# 在 API 调用前自动合并为单个系统消息
response = llm.invoke(messages)
"""


def run_cell(source: str, namespace: dict[str, Any]) -> Any:
    """Run a notebook cell: top-level await allowed, the last expression returned."""
    code = textwrap.dedent(source)
    tree = ast.parse(code, mode="exec")
    last = tree.body[-1] if isinstance(tree.body[-1], ast.Expr) else None
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    if last is not None:
        tree.body = tree.body[:-1]
    compiled = compile(tree, "<cell>", "exec", flags=flags)
    result = eval(compiled, namespace)  # the page's own code
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    if last is None:
        return None
    expr = compile(ast.Expression(last.value), "<cell>", "eval", flags=flags)
    value = eval(expr, namespace)
    return asyncio.run(value) if asyncio.iscoroutine(value) else value


@pytest.fixture
def page(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("PARALLEL_API_KEY", "standin-key")
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    namespace: dict[str, Any] = {}
    run_cell(CREDENTIALS, namespace)
    run_cell(INSTANTIATE, namespace)
    return namespace


def test_page_runs_as_shown(
    page: dict[str, Any], standin: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    ai_msg = run_cell(INVOKE, page)
    assert type(ai_msg).__name__ == "AIMessage"
    assert ai_msg.response_metadata["model"] == "speed"
    run_cell(PRINT_CONTENT, page)
    assert "latest developments in AI" in capsys.readouterr().out

    chained = run_cell(CHAIN, page)
    assert "most significant AI breakthroughs" in chained.content

    run_cell(STREAM, page)
    streamed = capsys.readouterr().out
    assert streamed.startswith("Stand-in answer from the speed model")

    run_cell(ASYNC, page)
    assert capsys.readouterr().out == streamed
    assert page["ai_msg"].content == streamed

    run_cell(USAGE, page)
    assert capsys.readouterr().out == "None\n"

    run_cell(METADATA, page)
    printed = ast.literal_eval(capsys.readouterr().out)
    assert printed["model"] == printed["model_name"] == "speed"
    assert printed["finish_reason"] == "stop"
    assert isinstance(printed["created"], int)

    run_cell(ERRORS, page)
    assert capsys.readouterr().out == "Invalid API key provided\n"

    run_cell(COMPATIBLE, page)
    run_cell(MERGING, page)
    sent = standin.requests[-1].body
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    # the OpenAI-compatible parameters are sent as given, never as null ...
    assert sent["seed"] == 42
    assert sent["user"] == "user-123"
    assert sent["tool_choice"] == "auto"
    assert sent["response_format"] == {"type": "json_object"}
    assert None not in sent.values()
    assert "temperature" not in sent  # ... and unset ones not at all
    assert page["response"].content


def test_page_rate_limit_branch(
    page: dict[str, Any], standin: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    standin.inject(Fault("status", status=429, retry_after="0.01", sticky=True))
    run_cell(ERRORS.replace('api_key="invalid-key"', 'api_key="standin-key"'), page)
    assert (
        capsys.readouterr().out == "API rate limit exceeded, please try again later\n"
    )
