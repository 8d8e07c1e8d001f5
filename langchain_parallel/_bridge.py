"""Make LangChain's own `init_chat_model("parallel:...")` work after our import.

LangChain keeps its providers in a private table,
`langchain.chat_models.base._BUILTIN_PROVIDERS`. We add our built-in providers to it
when that module is loaded: at once if it already is, otherwise through a one-shot
import hook, so importing this package never imports LangChain. Each entry builds
through our registry, so `PARALLEL_DISABLED_PROVIDERS` holds there too. The table
is private, so every step is guarded: if it changes shape, a
`LangChainBridgeWarning` says so and nothing breaks;
`langchain_parallel.init_chat_model` keeps working either way.
"""

from __future__ import annotations

import importlib.machinery
import sys

from langchain_parallel._hints import warn_at_caller

# Imported for the type checker only: `typing` and `importlib.abc` cost ~10 ms, and
# this module loads with the package, even for `parallel-chat --help`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import importlib.abc
    from collections.abc import Sequence
    from types import ModuleType
    from typing import Any

TARGET = "langchain.chat_models.base"
PROVIDERS = ("parallel", "parallel_task")
"""The built-in providers LangChain is taught; absent ones raise `ProviderError`."""


class LangChainBridgeWarning(UserWarning):
    """LangChain's internals changed; its `init_chat_model` cannot reach Parallel."""


class Creator:
    """LangChain's creator for one provider: ours, through the registry."""

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def __call__(self, cls: type, *, model: str, **kwargs: Any) -> Any:
        # `cls` is the class LangChain imported for the entry; the registry decides.
        from langchain_parallel._init import init_chat_model

        return init_chat_model(model, model_provider=self.provider, **kwargs)


def register(module: ModuleType) -> bool:
    """Add our providers to LangChain's table; False (and a warning) if unable."""
    table = getattr(module, "_BUILTIN_PROVIDERS", None)
    sample = next(iter(table.values()), None) if isinstance(table, dict) else None
    if not (isinstance(sample, tuple) and len(sample) == 3):
        warn_at_caller(
            "langchain.chat_models.init_chat_model cannot be taught the 'parallel' "
            "provider: LangChain's internal provider table has changed. Use "
            "langchain_parallel.init_chat_model('parallel:speed') instead.",
            LangChainBridgeWarning,
        )
        return False
    for provider in PROVIDERS:
        entry = ("langchain_parallel", "ChatParallelWeb", Creator(provider))
        table.setdefault(provider, entry)  # type: ignore[union-attr]
    return True


class _Loader:  # an importlib.abc.Loader, by protocol
    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        try:
            register(module)
        except Exception as exc:  # never break LangChain's import over this
            warn_at_caller(f"{exc}", LangChainBridgeWarning)


class _Finder:  # an importlib.abc.MetaPathFinder, by protocol
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        sys.meta_path.remove(self)  # one shot
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)  # type: ignore[assignment]  # a Loader by protocol
        return spec


def install() -> None:
    """Register now if LangChain is loaded, else when it is imported."""
    module = sys.modules.get(TARGET)
    if module is not None:
        register(module)
    elif not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
