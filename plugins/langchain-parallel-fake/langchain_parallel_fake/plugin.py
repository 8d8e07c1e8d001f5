"""Entry point of the `fake` provider."""

from __future__ import annotations

from typing import Any

from langchain_parallel.hookspecs import Provider, ToolProvider, hookimpl


def _create(model: str, **kwargs: Any) -> Any:
    from langchain_parallel_fake.chat_models import ChatParallelFake

    return ChatParallelFake(model=model, **kwargs)


def _search(**kwargs: Any) -> Any:
    from langchain_parallel_fake.tools import FakeSearchTool

    return FakeSearchTool(**kwargs)


@hookimpl
def chat_model_providers() -> list[Provider]:
    """Offer the offline fake of Parallel's models."""
    return [
        Provider(
            name="fake",
            create=_create,
            description="Offline answers shaped like Parallel's, for tests",
        )
    ]


@hookimpl
def tool_providers() -> list[ToolProvider]:
    """Offer an offline search tool."""
    return [
        ToolProvider(
            provider="fake",
            name="search",
            create=_search,
            description="Made-up search results, for tests",
        )
    ]
