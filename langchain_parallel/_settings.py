"""Settings from the environment, `.env` and the TOML config file, with one order.

Every setting follows one precedence rule, highest first:

1. explicit arguments (`ChatParallelWeb(timeout=...)`, `init_chat_model(...)`);
2. the alias entry (`[models.<alias>]` or `[tools.<alias>]`): an alias is a named
   set of arguments;
3. the environment (`PARALLEL_<NAME>`);
4. a `.env` file in the working directory;
5. the config file's top level;
6. built-in defaults.

One `BaseSettings` class reads sources 3-5. The config file is the one named by
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

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from langchain_parallel._config_file import (
    DEFAULT_CONFIG_FILE,
    FILE_KEYS,
    check_file,
    config_path,
    read_toml,
)
from langchain_parallel.errors import ConfigError

ENV_PREFIX = "PARALLEL_"
DEFAULT_BASE_URL = "https://api.parallel.ai"
DEFAULT_MODEL = "parallel:speed"
"""The model `init_chat_model()` builds when no setting names one."""

# Set while `load_settings` runs, so the TOML source knows which file to read.
_toml_path: ContextVar[Path | None] = ContextVar("_toml_path", default=None)


class ParallelSettings(BaseSettings):
    """Package settings; every field reads `PARALLEL_<NAME>` from the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    model: str | None = None
    """The default model: `PARALLEL_MODEL`, or `default_model` in the file."""
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int = Field(default=2, ge=0)
    config_file: Path | None = None
    models: dict[str, dict[str, Any]] = Field(default_factory=dict)
    tools: dict[str, dict[str, Any]] = Field(default_factory=dict)
    disabled_providers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    enabled_providers: Annotated[list[str] | None, NoDecode] = None
    strict_plugins: bool = False
    # parallel-chat's conversation log (langchain_parallel/_logs.py).
    logs_enabled: bool = True
    logs_path: Path | None = None

    @field_validator("disabled_providers", "enabled_providers", mode="before")
    @classmethod
    def _names(cls, value: Any, info: ValidationInfo) -> Any:
        """Accept a JSON list or comma-separated names from the environment."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        names = [name.strip() for name in text.split(",") if name.strip()]
        # A blank PARALLEL_ENABLED_PROVIDERS means unset, not "allow nothing".
        return names or (None if info.field_name == "enabled_providers" else [])

    @property
    def default_model(self) -> str | None:
        """The configured default model, `None` when no source names one."""
        return self.model

    def origin(self, field: str) -> str:
        """Where this setting's value comes from, e.g. `"PARALLEL_TIMEOUT"`."""
        env_name = f"{ENV_PREFIX}{field.upper()}"
        if env_name in os.environ:
            return f"environment variable {env_name}"
        if env_name in _dotenv_keys():
            return f".env entry {env_name}"
        key = next((k for k, v in FILE_KEYS.items() if v == field), field)
        if self.config_file is not None and key in read_toml(self.config_file):
            return f"{key} in {self.config_file}"
        return "built-in default"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment beats `.env`, which beats the file's top level."""
        path = _toml_path.get()
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            dotenv_settings,
        ]
        if path is not None:
            sources.append(_CheckedTomlSource(settings_cls, path))
        return tuple(sources)


def _dotenv_keys() -> set[str]:
    from dotenv import dotenv_values  # pydantic-settings' own .env reader

    return set(dotenv_values(".env")) if Path(".env").is_file() else set()


class _CheckedTomlSource(TomlConfigSettingsSource):
    """The TOML source, checked: unknown keys, secrets and bad alias tables."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        self._path = path
        super().__init__(settings_cls, toml_file=path)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        data = read_toml(self._path)
        check_file(data, self._path)
        return {FILE_KEYS.get(key, key): value for key, value in data.items()}


def _stamp(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


_cache: dict[tuple[Any, ...], ParallelSettings] = {}
_ENV_NAMES = tuple(
    f"{ENV_PREFIX}{name.upper()}" for name in ParallelSettings.model_fields
)


def _environment() -> tuple[Any, ...]:
    """The variables the settings read, as cheaply as the platform allows.

    `os.environ.get` raises and catches a `KeyError` for every unset name, which
    made this the costliest step of building a model; `os.environ` keeps its
    encoded mapping in `_data` (CPython since 3.2), read directly when present.
    """
    data = getattr(os.environ, "_data", None)
    encode = getattr(os.environ, "encodekey", None)
    if isinstance(data, dict) and callable(encode):
        return tuple(data.get(encode(name)) for name in _ENV_NAMES)
    return tuple(map(os.environ.get, _ENV_NAMES))


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
) -> ParallelSettings:
    """Return the settings, read again only when their inputs changed.

    The cache key is cheap on purpose (every model construction asks): the
    variables the settings read, the working directory, and the size and
    modification time of `.env` and of the config file.
    """
    env = _environment()
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
    path = config_path(config_file)
    token = _toml_path.set(path)
    try:
        settings = ParallelSettings(config_file=path)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path)) from exc
    finally:
        _toml_path.reset(token)
    if len(_cache) > 32:  # environments churn in tests; keep the cache small
        _cache.clear()
    _cache[key] = settings
    return settings


def reset_settings_cache() -> None:
    """Forget cached settings (tests use this after changing files in place)."""
    _cache.clear()


def _explain(exc: ValidationError, path: Path | None) -> str:
    lines = []
    for err in exc.errors():
        dotted = ".".join(str(p) for p in err["loc"])
        field = str(err["loc"][0]) if err["loc"] else ""
        env_name = f"{ENV_PREFIX}{field.upper()}"
        if env_name in os.environ:
            origin = f"environment variable {env_name}"
        elif env_name in _dotenv_keys():
            origin = f".env entry {env_name}"
        elif path is not None:
            key = next((k for k, v in FILE_KEYS.items() if v == field), field)
            origin = f"config file {path}, key {dotted.replace(field, key, 1)!r}"
        else:
            origin = f"setting {field}"
        shown = "" if field == "api_key" else f" (got {err.get('input')!r})"
        lines.append(f"{origin}: {err['msg']}{shown}")
    return "Invalid Parallel settings: " + "; ".join(lines)


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
