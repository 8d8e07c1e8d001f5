"""Figures for parts of the package that may not exist yet: they say so and skip.

- the search and extract tools' per-call overhead against the bare `parallel`
  SDK's `client.search(...)` and `client.extract(...)`, all against the stand-in;
- a task-group batch of 1,000 inputs through `ChatParallelTask`, with the requests
  the stand-in received, counted by path.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections.abc import Callable
from typing import Any

from _server import KEY, Server
from _timing import Setup, rounds

SEARCH = {
    "objective": "What are the latest developments in AI?",
    "search_queries": ["latest AI developments"],
}
EXTRACT = {
    "urls": ["https://example.com/ai-news"],
    "objective": "What are the latest developments in AI?",
}
TOOLS = {
    # tool class: (the SDK method it stands for, the arguments both are called with)
    "ParallelSearchTool": ("search", SEARCH),
    "ParallelExtractTool": ("extract", EXTRACT),
}
RUNS_PER_REQUEST = 1000  # the Task API's limit on runs added in one request


class NotAvailable(Exception):
    """This figure cannot be measured with this checkout; the message says why."""


def _find(name: str, modules: tuple[str, ...]) -> Any:
    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise NotAvailable(f"{name} does not exist yet")


def tool_call(url: str, name: str, count: int, calls: int) -> dict[str, list[float]]:
    """One call of the tool `name` against the same call through the SDK."""
    tool_class = _find(name, ("langchain_parallel.tools", "langchain_parallel"))
    try:
        import parallel
    except ImportError as exc:
        raise NotAvailable("the `parallel` SDK is not installed") from exc
    method, args = TOOLS[name]
    client = parallel.Parallel(api_key=KEY, base_url=url)
    sdk_call = getattr(client, method)
    tool = tool_class(api_key=KEY, base_url=url)
    setups: dict[str, Setup] = {
        "parallel SDK": lambda _: lambda: sdk_call(**args),
        "ours": lambda _: lambda: tool.invoke(args),
    }
    try:
        return rounds(setups, count, calls)
    except Exception as exc:
        raise NotAvailable(f"a {method} call failed: {exc!r:.200}") from exc


def task_group(server: Server, url: str, inputs: int = 1000) -> dict[str, Any]:
    """Requests per path for one `batch` of `inputs` questions, and the minimum."""
    model_class = _find(
        "ChatParallelTask", ("langchain_parallel", "langchain_parallel.task")
    )
    model = model_class(api_key=KEY, base_url=url)
    questions = [f"Question {i}" for i in range(inputs)]
    server.reset()
    outcome: list[Any] = []
    worker = threading.Thread(
        target=_capture(lambda: model.batch(questions), outcome), daemon=True
    )
    worker.start()
    worker.join(timeout=120)
    if worker.is_alive():
        raise NotAvailable("the batch did not finish within 120 s")
    if isinstance(outcome[0], BaseException):
        raise NotAvailable(f"the batch failed: {outcome[0]!r:.200}")
    stats = server.stats()
    # One group, the runs added in as few requests as the limit allows, one stream
    # of events and one of results; anything per run is what paging should avoid.
    minimum = 1 + math.ceil(inputs / RUNS_PER_REQUEST) + 2
    return {"requests": stats["requests"], "paths": stats["paths"], "bound": minimum}


def _capture(run: Callable[[], Any], into: list[Any]) -> Callable[[], None]:
    def target() -> None:
        try:
            into.append(run())
        except BaseException as exc:
            into.append(exc)

    return target
