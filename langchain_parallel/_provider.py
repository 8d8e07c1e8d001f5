"""The built-in providers, registered through this package's entry points.

`parallel` (the Chat API) and `parallel_task` (the Task API's processors) are loaded
exactly as a third-party plugin is, so every lookup exercises the plugin path. The
models themselves are imported only when one is created.
"""

from __future__ import annotations

from typing import Any

from langchain_parallel._models import MODELS
from langchain_parallel._processors import PROCESSORS
from langchain_parallel.hookspecs import Provider, hookimpl


def _create(model: str, **kwargs: Any) -> Any:
    from langchain_parallel.chat_models import ChatParallelWeb

    return ChatParallelWeb(model=model, **kwargs)


def _create_task(model: str, **kwargs: Any) -> Any:
    from langchain_parallel.task_models import ChatParallelTask

    return ChatParallelTask(model=model, **kwargs)


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
