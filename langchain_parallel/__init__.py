"""LangChain integration for Parallel's web-research APIs.

The chat model, `init_chat_model`, the errors, the search and extract tools and
the retriever load on first access, so that importing the package imports neither
`openai` nor LangChain, and scans no plugins (`parallel-chat --help` starts as fast
as Python does).
"""

from __future__ import annotations

from importlib import import_module

from langchain_parallel import _bridge
from langchain_parallel._version import __version__

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~3 ms at start-up
if TYPE_CHECKING:
    from typing import Any

    from langchain_parallel._init import init_chat_model
    from langchain_parallel._policies import (
        ExcerptSettings,
        FetchPolicy,
        FullContentSettings,
        SourcePolicy,
    )
    from langchain_parallel.chat_models import ChatParallel, ChatParallelWeb
    from langchain_parallel.errors import ParallelError
    from langchain_parallel.retrievers import ParallelSearchRetriever
    from langchain_parallel.task_models import ChatParallelTask
    from langchain_parallel.tools import (
        ParallelExtractTool,
        ParallelSearchTool,
        ParallelWebSearchTool,
    )

__all__ = [
    "ChatParallel",
    "ChatParallelTask",
    "ChatParallelWeb",
    "ExcerptSettings",
    "FetchPolicy",
    "FullContentSettings",
    "ParallelError",
    "ParallelExtractTool",
    "ParallelSearchRetriever",
    "ParallelSearchTool",
    "ParallelWebSearchTool",
    "SourcePolicy",
    "__version__",
    "init_chat_model",
]

_LAZY = {
    "ChatParallel": "langchain_parallel.chat_models",
    "ChatParallelTask": "langchain_parallel.task_models",
    "ChatParallelWeb": "langchain_parallel.chat_models",
    "ExcerptSettings": "langchain_parallel._policies",
    "FetchPolicy": "langchain_parallel._policies",
    "FullContentSettings": "langchain_parallel._policies",
    "ParallelError": "langchain_parallel.errors",
    "ParallelExtractTool": "langchain_parallel.tools",
    "ParallelSearchRetriever": "langchain_parallel.retrievers",
    "ParallelSearchTool": "langchain_parallel.tools",
    "ParallelWebSearchTool": "langchain_parallel.tools",
    "SourcePolicy": "langchain_parallel._policies",
    "init_chat_model": "langchain_parallel._init",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'langchain_parallel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


_bridge.install()
