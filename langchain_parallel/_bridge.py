"""Make LangChain's own `init_chat_model("parallel:...")` work after our import.

LangChain keeps its providers in a private table,
`langchain.chat_models.base._BUILTIN_PROVIDERS`. We add `parallel` to it when that
module is loaded: at once if it already is, otherwise through a one-shot import hook,
so importing this package never imports LangChain. The table is private, so every
step is guarded: if it changes shape, a `LangChainBridgeWarning` says so and nothing
breaks; `langchain_parallel.init_chat_model` keeps working either way.
"""

from __future__ import annotations

import importlib.machinery
import sys
import warnings

# Imported for the type checker only: `typing` and `importlib.abc` cost ~10 ms, and
# this module loads with the package, even for `parallel-chat --help`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import importlib.abc
    from collections.abc import Sequence
    from types import ModuleType
    from typing import Any

TARGET = "langchain.chat_models.base"
PROVIDER = "parallel"


class LangChainBridgeWarning(UserWarning):
    """LangChain's internals changed; its `init_chat_model` cannot reach Parallel."""


def _create(cls: type, **kwargs: Any) -> Any:
    return cls(**kwargs)


def register(module: ModuleType) -> bool:
    """Add `parallel` to LangChain's provider table; False (and a warning) if unable."""
    table = getattr(module, "_BUILTIN_PROVIDERS", None)
    entry = ("langchain_parallel", "ChatParallelWeb", _create)
    sample = next(iter(table.values()), None) if isinstance(table, dict) else None
    if not (isinstance(sample, tuple) and len(sample) == len(entry)):
        warnings.warn(
            "langchain.chat_models.init_chat_model cannot be taught the 'parallel' "
            "provider: LangChain's internal provider table has changed. Use "
            "langchain_parallel.init_chat_model('parallel:speed') instead.",
            LangChainBridgeWarning,
            stacklevel=2,
        )
        return False
    table.setdefault(PROVIDER, entry)  # type: ignore[union-attr]
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
            warnings.warn(f"{exc}", LangChainBridgeWarning, stacklevel=2)


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
