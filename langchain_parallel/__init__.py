"""LangChain integration for Parallel's web-research Chat API."""

from __future__ import annotations

from importlib import metadata

from langchain_parallel.chat_models import ChatParallel, ChatParallelWeb
from langchain_parallel.errors import ParallelError

try:
    __version__ = metadata.version("langchain-parallel")
except metadata.PackageNotFoundError:  # pragma: no cover - source tree without install
    __version__ = "0.0.0"

__all__ = [
    "ChatParallel",
    "ChatParallelWeb",
    "ParallelError",
    "__version__",
]
