"""The provider registry: entry-point plugins, loaded on first use, one at a time.

Nothing is scanned or imported when `langchain_parallel` is imported. The first
lookup reads the entry points of `langchain_parallel.providers` once; resolving a
provider imports only the plugin whose entry point has that name.

Rules:

- A plugin that fails to load (import error, bad hook, a name mismatch) is skipped
  with a `ProviderPluginWarning` naming its entry point and distribution; with
  `PARALLEL_STRICT_PLUGINS=1` it raises `PluginLoadError` instead.
- When two distributions register the same provider name, this package's own
  registration wins, and otherwise the distribution whose name sorts first; the
  others are named in a warning.
- `PARALLEL_DISABLED_PROVIDERS='["name", ...]'` hides providers;
  `PARALLEL_ENABLED_PROVIDERS='["name", ...]'`, when set, allows only those.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable
from importlib import metadata
from typing import cast

import pluggy

from langchain_parallel.errors import PluginLoadError
from langchain_parallel.hookspecs import (
    ENTRY_POINT_GROUP,
    PROJECT,
    Provider,
    ProviderSpec,
)

OWN_DISTRIBUTION = "langchain-parallel"


class ProviderPluginWarning(UserWarning):
    """A provider plugin was skipped, or lost a name clash."""


def _dist_name(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return dist.name if dist is not None else "<unknown distribution>"


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-")


class Registry:
    """Providers by name, from entry points (or from `entry_points` given in tests)."""

    def __init__(
        self,
        entry_points: Iterable[metadata.EntryPoint] | None = None,
        *,
        strict: bool | None = None,
        disabled: Iterable[str] | None = None,
        enabled: Iterable[str] | None = None,
    ) -> None:
        """Build an empty registry; nothing is scanned or loaded until first use.

        Arguments left `None` come from the settings on first use.
        """
        self._given = list(entry_points) if entry_points is not None else None
        self._strict = strict
        self._disabled = set(disabled) if disabled is not None else None
        self._enabled = set(enabled) if enabled is not None else None
        self._configured = strict is not None and disabled is not None
        self._candidates: dict[str, list[metadata.EntryPoint]] | None = None
        self._providers: dict[str, Provider] = {}
        self._failed: set[str] = set()
        self._manager = pluggy.PluginManager(PROJECT)
        self._manager.add_hookspecs(ProviderSpec)
        self._lock = threading.RLock()

    # --- configuration, read on first use --------------------------------------

    def _configure(self) -> None:
        if self._configured:
            return
        from langchain_parallel._settings import load_settings

        settings = load_settings()
        if self._strict is None:
            self._strict = settings.strict_plugins
        if self._disabled is None:
            self._disabled = set(settings.disabled_providers)
        if self._enabled is None and settings.enabled_providers is not None:
            self._enabled = set(settings.enabled_providers)
        self._configured = True

    def _allowed(self, name: str) -> bool:
        self._configure()
        if self._enabled is not None and name not in self._enabled:
            return False
        return name not in (self._disabled or ())

    def _scan(self) -> dict[str, list[metadata.EntryPoint]]:
        if self._candidates is None:
            found = (
                self._given
                if self._given is not None
                else list(metadata.entry_points(group=ENTRY_POINT_GROUP))
            )
            candidates: dict[str, list[metadata.EntryPoint]] = {}
            seen: set[tuple[str, str, str]] = set()
            for entry_point in found:
                # One distribution found twice on sys.path is not a name clash.
                key = (entry_point.name, entry_point.value, _dist_name(entry_point))
                if key not in seen:
                    seen.add(key)
                    candidates.setdefault(entry_point.name, []).append(entry_point)
            self._candidates = candidates
        return self._candidates

    # --- lookups -------------------------------------------------------------

    def names(self) -> list[str]:
        """Every provider name an installed plugin claims, loaded or not."""
        return sorted(name for name in self._scan() if self._allowed(name))

    def get(self, name: str) -> Provider | None:
        """The provider called `name`, loading its plugin if needed; None if none."""
        if not self._allowed(name):
            return None
        with self._lock:
            if name in self._providers:
                return self._providers[name]
            if name in self._failed:
                return None
            candidates = self._scan().get(name)
            if not candidates:
                return None
            provider = self._load(name, self._winner(name, candidates))
            if provider is None:
                self._failed.add(name)
            else:
                self._providers[name] = provider
            return provider

    def list_providers(self) -> list[str]:
        """The providers that resolve now (loads every plugin, isolated)."""
        return [name for name in self.names() if self.get(name) is not None]

    # --- loading -------------------------------------------------------------

    def _winner(
        self, name: str, candidates: list[metadata.EntryPoint]
    ) -> metadata.EntryPoint:
        def rank(entry_point: metadata.EntryPoint) -> tuple[bool, str]:
            dist = _canonical(_dist_name(entry_point))
            return (dist != OWN_DISTRIBUTION, dist)

        ordered = sorted(candidates, key=rank)
        if len(ordered) > 1:
            losers = ", ".join(_dist_name(ep) for ep in ordered[1:])
            warnings.warn(
                f"Provider {name!r} is registered by several distributions: "
                f"{_dist_name(ordered[0])} (used) and {losers} (ignored). Uninstall "
                "one, or disable it with PARALLEL_DISABLED_PROVIDERS.",
                ProviderPluginWarning,
                stacklevel=4,
            )
        return ordered[0]

    def _load(self, name: str, entry_point: metadata.EntryPoint) -> Provider | None:
        origin = (
            f"entry point {name!r} ({entry_point.value}) of {_dist_name(entry_point)}"
        )
        try:
            plugin = entry_point.load()
            if not self._manager.is_registered(plugin):
                self._manager.register(plugin, name=f"{name}:{entry_point.value}")
            offered = self._offered(plugin)
            provider = next((p for p in offered if p.name == name), None)
            if provider is None:
                names = [p.name for p in offered]
                raise LookupError(f"it offers providers {names}, none named {name!r}")
        except Exception as exc:  # an isolated plugin failure, reported below
            message = f"Skipped provider plugin {origin}: {type(exc).__name__}: {exc}"
            if self._strict:
                raise PluginLoadError(message) from exc
            warnings.warn(message, ProviderPluginWarning, stacklevel=4)
            return None
        return provider

    def _offered(self, plugin: object) -> list[Provider]:
        offered: list[Provider] = []
        for impl in self._manager.hook.chat_model_providers.get_hookimpls():
            if impl.plugin is plugin:
                offered.extend(cast("Iterable[Provider]", impl.function()))
        if not offered:
            raise LookupError("it implements no chat_model_providers hook")
        return offered


_registry: Registry | None = None
_registry_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = Registry()
    return _registry


def reset_registry(registry: Registry | None = None) -> None:
    """Forget loaded plugins (tests), or install `registry` in place of the default."""
    global _registry
    with _registry_lock:
        _registry = registry


def list_providers() -> list[str]:
    """Names of the providers that resolve right now, e.g. `["fake", "parallel"]`."""
    return get_registry().list_providers()
