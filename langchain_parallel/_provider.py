"""The built-in providers: Parallel's chat and Task models, Search and Extract tools.

`parallel` serves the Chat API's models, `parallel_task` the Task API's processors.

The registry registers this module with its plugin manager directly (so a source
checkout without installed metadata has them too); this package's entry points
name it as well, as a third-party plugin's would. Everything heavy is imported
inside the factories, when a model or tool is built.
"""

from __future__ import annotations

from typing import Any

from langchain_parallel._models import MODELS
from langchain_parallel._processors import PROCESSORS
from langchain_parallel.hookspecs import Provider, ToolProvider, hookimpl


def _create(model: str, **kwargs: Any) -> Any:
    from langchain_parallel.chat_models import ChatParallelWeb

    return ChatParallelWeb(model=model, **kwargs)


def _create_task(model: str, **kwargs: Any) -> Any:
    from langchain_parallel.task_models import ChatParallelTask

    return ChatParallelTask(model=model, **kwargs)


def _search_tool(**kwargs: Any) -> Any:
    from langchain_parallel.tools import ParallelSearchTool  # type: ignore[import-not-found,unused-ignore]

    return ParallelSearchTool(**kwargs)


def _extract_tool(**kwargs: Any) -> Any:
    from langchain_parallel.tools import ParallelExtractTool  # type: ignore[import-not-found,unused-ignore]

    return ParallelExtractTool(**kwargs)


@hookimpl
def chat_model_providers() -> list[Provider]:
    """Offer Parallel's chat models and its Task API processors."""
    return [
        Provider(
            name="parallel",
            create=_create,
            models=tuple(MODELS),
            description="Parallel's web-research Chat API (speed, lite, base, core)",
        ),
        Provider(
            name="parallel_task",
            create=_create_task,
            models=tuple(PROCESSORS),
            description="Parallel's deep-research Task API (pro, ultra, ...)",
        ),
    ]


@hookimpl
def tool_providers() -> list[ToolProvider]:
    """Offer Parallel's Search and Extract APIs as LangChain tools."""
    return [
        ToolProvider(
            provider="parallel",
            name="search",
            create=_search_tool,
            description="Web search: ranked URLs with excerpts (Parallel Search API)",
        ),
        ToolProvider(
            provider="parallel",
            name="extract",
            create=_extract_tool,
            description="Page contents as markdown excerpts (Parallel Extract API)",
        ),
    ]
