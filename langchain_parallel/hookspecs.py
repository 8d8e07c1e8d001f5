"""Hook specifications for provider plugins: chat models, and tools for agents.

A plugin is a module (or object) named by an entry point in the group
`langchain_parallel.providers`; the entry point's name is the provider prefix used
in model strings (`"<prefix>:<model>"`) and tool names (`"<prefix>:<tool>"`). One
module may stand behind several entry points, one per provider it offers.

```toml
[project.entry-points."langchain_parallel.providers"]
fake = "langchain_parallel_fake.plugin"
```

```python
from langchain_parallel.hookspecs import Provider, ToolProvider, hookimpl

@hookimpl
def chat_model_providers() -> list[Provider]:
    return [Provider(name="fake", create=make_fake_model, models=("speed",))]

@hookimpl
def tool_providers() -> list[ToolProvider]:       # optional
    return [ToolProvider(provider="fake", name="echo", create=make_echo_tool)]
```

The built-in providers (`langchain_parallel._provider`) implement the same hooks;
they are registered directly, and through this package's own entry points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

PROJECT = "langchain_parallel"
ENTRY_POINT_GROUP = "langchain_parallel.providers"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class Provider:
    """A named source of chat models."""

    name: str
    """The prefix in `"<name>:<model>"`; one of the plugin's entry-point names."""
    create: Callable[..., BaseChatModel] = field(repr=False)
    """Called as `create(model=<model>, **kwargs)`; returns the chat model.

    It should refuse keyword arguments it does not take: config-file aliases reach
    it, and a misspelled key must not be dropped silently.
    """
    models: Sequence[str] = ()
    """The model names it serves. When given, `init_chat_model("<model>")` finds the
    provider from a bare name, and other names are refused with this list; leave it
    empty for a provider that takes any name."""
    description: str = ""


@dataclass(frozen=True)
class ToolProvider:
    """A named LangChain tool a plugin offers, addressed as `"<provider>:<name>"`."""

    provider: str
    """The provider prefix; one of the plugin's entry-point names."""
    name: str
    """The tool's name within the provider, e.g. `"search"`."""
    create: Callable[..., BaseTool] = field(repr=False)
    """Called as `create(**kwargs)`; returns the tool. Refuse unknown arguments."""
    description: str = ""

    @property
    def address(self) -> str:
        """`"<provider>:<name>"`, the string `load_tool` takes."""
        return f"{self.provider}:{self.name}"


class ProviderSpec:
    """The hooks a provider plugin implements (both are optional)."""

    @hookspec
    def chat_model_providers(self) -> Sequence[Provider]:  # type: ignore[empty-body]
        """Return the chat-model providers this plugin offers."""

    @hookspec
    def tool_providers(self) -> Sequence[ToolProvider]:  # type: ignore[empty-body]
        """Return the tools this plugin offers."""
