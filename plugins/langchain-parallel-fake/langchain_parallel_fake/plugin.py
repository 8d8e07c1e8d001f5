"""Entry point of the `fake` provider."""

from __future__ import annotations

from typing import Any

from langchain_parallel.hookspecs import Provider, hookimpl


def _create(model: str, **kwargs: Any) -> Any:
    from langchain_parallel_fake.chat_models import ChatParallelFake

    return ChatParallelFake(model=model, **kwargs)


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
