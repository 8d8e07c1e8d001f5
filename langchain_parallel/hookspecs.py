"""Hook specifications for chat-model provider plugins.

A plugin is a module (or object) named by an entry point in the group
`langchain_parallel.providers`; the entry point's name is the provider prefix used
in model strings (`"<prefix>:<model>"`). The built-in `parallel` provider is
registered the same way, from this package's own `pyproject.toml`:

```toml
[project.entry-points."langchain_parallel.providers"]
fake = "langchain_parallel_fake.plugin"
```

```python
from langchain_parallel.hookspecs import Provider, hookimpl

@hookimpl
def chat_model_providers() -> list[Provider]:
    return [Provider(name="fake", create=make_fake_model, models=("speed",))]
```
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROJECT = "langchain_parallel"
ENTRY_POINT_GROUP = "langchain_parallel.providers"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class Provider:
    """A named source of chat models."""

    name: str
    """The prefix in `"<name>:<model>"`; must equal the plugin's entry-point name."""
    create: Callable[..., BaseChatModel] = field(repr=False)
    """Called as `create(model=<model>, **kwargs)`; returns the chat model."""
    models: Sequence[str] = ()
    """Model names it knows, so `init_chat_model("<model>")` can infer the provider."""
    description: str = ""


class ProviderSpec:
    """The hooks a provider plugin implements."""

    @hookspec
    def chat_model_providers(self) -> Sequence[Provider]:  # type: ignore[empty-body]
        """Return the providers this plugin offers."""
