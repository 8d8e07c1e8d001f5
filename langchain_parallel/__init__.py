"""LangChain integration for Parallel's web-research Chat API.

The chat model and `init_chat_model` load on first access, so that importing the
package costs little more than importing `openai`, and scans no plugins.
"""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from langchain_parallel import _bridge
from langchain_parallel.errors import ParallelError

if TYPE_CHECKING:
    from langchain_parallel._init import init_chat_model
    from langchain_parallel.chat_models import ChatParallel, ChatParallelWeb
    from langchain_parallel.task_models import ChatParallelTask

try:
    __version__ = metadata.version("langchain-parallel")
except metadata.PackageNotFoundError:  # pragma: no cover - source tree without install
    __version__ = "0.0.0"

__all__ = [
    "ChatParallel",
    "ChatParallelTask",
    "ChatParallelWeb",
    "ParallelError",
    "__version__",
    "init_chat_model",
]

_LAZY = {
    "ChatParallel": "langchain_parallel.chat_models",
    "ChatParallelTask": "langchain_parallel.task_models",
    "ChatParallelWeb": "langchain_parallel.chat_models",
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
