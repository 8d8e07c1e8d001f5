"""Settings from the environment, `.env` and the TOML config file, with one order.

Every setting follows one precedence rule, highest first:

1. explicit arguments (`ChatParallelWeb(timeout=...)`, `init_chat_model(...)`);
2. the alias entry (`[models.<alias>]` or `[tools.<alias>]`): an alias is a named
   set of arguments;
3. the environment (`PARALLEL_<NAME>`);
4. a `.env` file in the working directory;
5. the config file's top level;
6. built-in defaults.

One `BaseSettings` class (`_settings_model.ParallelSettings`, imported on first
use) reads sources 3-5. The config file is the one named by
`PARALLEL_CONFIG_FILE`, else `./parallel.toml` when it exists:

```toml
default_model = "quick"          # the default model: PARALLEL_MODEL in the environment
timeout = 120                    # any top-level setting except the key
[models.quick]
model = "parallel:speed"
[models.research]
model = "parallel:core"
timeout = 600
[tools.news]
tool = "parallel:search"
max_results = 5
```

Loading is cached on what it reads (the `PARALLEL_*` environment, the working
directory and the files' modification times), so building many models reads the
files once, and a changed environment or file is picked up without a reset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_parallel._config_file import DEFAULT_CONFIG_FILE, config_path
from langchain_parallel.errors import ConfigError

if TYPE_CHECKING:
    from langchain_parallel._settings_model import ParallelSettings

ENV_PREFIX = "PARALLEL_"
DEFAULT_BASE_URL = "https://api.parallel.ai"
DEFAULT_MODEL = "parallel:speed"
"""The model `init_chat_model()` builds when no setting names one."""


def __getattr__(name: str) -> Any:
    # `ParallelSettings` lives in `_settings_model`, imported on first use.
    if name == "ParallelSettings":
        from langchain_parallel._settings_model import ParallelSettings

        return ParallelSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _stamp(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


_cache: dict[tuple[Any, ...], ParallelSettings] = {}


def _environment(names: tuple[str, ...]) -> tuple[Any, ...]:
    """The variables `names`, as cheaply as the platform allows.

    `os.environ.get` raises and catches a `KeyError` for every unset name, which
    made this the costliest step of building a model; `os.environ` keeps its
    encoded mapping in `_data` (CPython since 3.2), read directly when present.
    """
    data = getattr(os.environ, "_data", None)
    encode = getattr(os.environ, "encodekey", None)
    if isinstance(data, dict) and callable(encode):
        return tuple(data.get(encode(name)) for name in names)
    return tuple(map(os.environ.get, names))


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
) -> ParallelSettings:
    """Return the settings, read again only when their inputs changed.

    The cache key is cheap on purpose (every model construction asks): the
    variables the settings read, the working directory, and the size and
    modification time of `.env` and of the config file.

    Raises:
        ConfigError: a setting that does not validate, or a bad config file.

    """
    # Imported here, not at the top: pydantic-settings is most of this package's
    # import time, and a process that builds no model never needs it.
    import langchain_parallel._settings_model as model

    env = _environment(model.ENV_NAMES)
    named = config_file or os.environ.get(f"{ENV_PREFIX}CONFIG_FILE")
    key = (
        config_file,
        env,
        os.getcwd(),
        _stamp(".env"),
        _stamp(Path(named).expanduser() if named else DEFAULT_CONFIG_FILE),
    )
    cached = _cache.get(key)
    if cached is not None:
        return cached
    settings = model.read(config_path(config_file))
    if len(_cache) > 32:  # environments churn in tests; keep the cache small
        _cache.clear()
    _cache[key] = settings
    return settings


def reset_settings_cache() -> None:
    """Forget cached settings (tests use this after changing files in place)."""
    _cache.clear()


# --- filling a model's unset arguments, and saying where each came from -------

# The settings a model's constructor took, and which fields it filled from them.
_filled: ContextVar[tuple[ParallelSettings, frozenset[str]] | None] = ContextVar(
    "_filled", default=None
)
# While init_chat_model builds a model: the settings it resolved with, so the
# model's constructor does not load them a second time.
_active: ContextVar[ParallelSettings | None] = ContextVar("_active", default=None)
# While an alias is being built: what its entry set, and where.
_alias: ContextVar[tuple[str, frozenset[str]] | None] = ContextVar(
    "_alias", default=None
)


def fill_from_settings(
    kwargs: dict[str, Any], fields: tuple[str, ...], *, provider: str = "parallel"
) -> dict[str, Any]:
    """`kwargs` with unset (or `None`) `fields` taken from the loaded settings.

    `model` is the default model, which may be written `"<provider>:<model>"`;
    a model constructor takes it only when it names one of `provider`'s models.
    """
    missing = [name for name in fields if kwargs.get(name) is None]
    _filled.set(None)
    if not missing:
        return kwargs
    settings = None if kwargs.get("config_file") else _active.get()
    settings = settings or load_settings(kwargs.get("config_file"))
    resolved = dict(kwargs)
    filled = set()
    for name in missing:
        value = getattr(settings, name)
        if name == "model" and value is not None:
            value = _own_model(settings, value, provider)
        if value is None:
            resolved.pop(name, None)
        else:
            resolved[name] = value
            filled.add(name)
    _filled.set((settings, frozenset(filled)))
    return resolved


def _own_model(settings: ParallelSettings, value: str, provider: str) -> str:
    prefix, sep, name = value.partition(":")
    if not sep and value not in settings.models:
        return value
    if sep and prefix == provider:
        return name
    what = "an alias" if value in settings.models else f"a {prefix!r} model"
    raise ConfigError(
        f"The default model {value!r} ({settings.origin('model')}) is {what}, "
        f"not a {provider!r} model name, so this constructor cannot use it. Pass "
        "model=... explicitly, or build it with init_chat_model(), which "
        "resolves aliases and providers."
    )


@contextmanager
def building(
    settings: ParallelSettings, alias: tuple[str, frozenset[str]] | None = None
) -> Iterator[None]:
    """While a model is built from `settings` (and from an alias entry's keys).

    `alias` is `("models.<alias> in <file>", <keys the entry supplies>)`, so that
    warnings about those arguments can name the entry.
    """
    active, named = _active.set(settings), _alias.set(alias)
    try:
        yield
    finally:
        _alias.reset(named)
        _active.reset(active)


def setting_origin(field: str) -> str | None:
    """Where the model being built took `field` from, when not an explicit argument.

    For warnings: `"environment variable PARALLEL_TIMEOUT"`,
    `"models.research in /app/parallel.toml"`, ...; `None` for an argument.
    """
    alias = _alias.get()
    if alias is not None and field in alias[1]:
        return alias[0]
    filled = _filled.get()
    if filled is not None and field in filled[1]:
        return filled[0].origin(field)
    return None
