"""LangChain integration for Parallel's web-research APIs.

The chat model, `init_chat_model`, the search and extract tools and the retriever
load on first access, so that importing the package costs little more than
importing `openai`, and scans no plugins.
"""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from langchain_parallel import _bridge
from langchain_parallel.errors import ParallelError

if TYPE_CHECKING:
    from langchain_parallel._init import init_chat_model
    from langchain_parallel._policies import (
        ExcerptSettings,
        FetchPolicy,
        FullContentSettings,
        SourcePolicy,
    )
    from langchain_parallel.chat_models import ChatParallel, ChatParallelWeb
    from langchain_parallel.retrievers import ParallelSearchRetriever
    from langchain_parallel.tools import (
        ParallelExtractTool,
        ParallelSearchTool,
        ParallelWebSearchTool,
    )

try:
    __version__ = metadata.version("langchain-parallel")
except metadata.PackageNotFoundError:  # pragma: no cover - source tree without install
    __version__ = "0.0.0"

__all__ = [
    "ChatParallel",
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
    "ChatParallelWeb": "langchain_parallel.chat_models",
    "ExcerptSettings": "langchain_parallel._policies",
    "FetchPolicy": "langchain_parallel._policies",
    "FullContentSettings": "langchain_parallel._policies",
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
