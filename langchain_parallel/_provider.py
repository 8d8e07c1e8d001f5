"""The built-in `parallel` provider, registered through this package's entry point.

It is loaded exactly as a third-party plugin is, so every `parallel:...` lookup
exercises the plugin path.
"""

from __future__ import annotations

from typing import Any

from langchain_parallel._models import MODELS
from langchain_parallel.hookspecs import Provider, hookimpl


def _create(model: str, **kwargs: Any) -> Any:
    from langchain_parallel.chat_models import ChatParallelWeb

    return ChatParallelWeb(model=model, **kwargs)


@hookimpl
def chat_model_providers() -> list[Provider]:
    """Offer Parallel's chat models."""
    return [
        Provider(
            name="parallel",
            create=_create,
            models=tuple(MODELS),
            description="Parallel's web-research Chat API (speed, lite, base, core)",
        )
    ]
