"""Settings: arguments, environment, `.env` and the TOML config file, in that order.

One `BaseSettings` class reads them all. The config file is the one named by
`PARALLEL_CONFIG_FILE`, else `./parallel.toml` when it exists:

```toml
default_model = "quick"          # an alias or a provider string
timeout = 120                    # any top-level setting except the key
[models.quick]
model = "parallel:speed"
[models.research]
model = "parallel:core"
timeout = 600
```

Loading is cached on what it reads (the `PARALLEL_*` environment, the working
directory and the files' modification times), so building many models reads the
files once, and a changed environment or file is picked up without a reset.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from langchain_parallel.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ENV_PREFIX = "PARALLEL_"
DEFAULT_BASE_URL = "https://api.parallel.ai"
DEFAULT_CONFIG_FILE = "parallel.toml"

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
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int = Field(default=2, ge=0)
    config_file: Path | None = None
    default_model: str | None = None
    models: dict[str, dict[str, Any]] = Field(default_factory=dict)
    disabled_providers: list[str] = Field(default_factory=list)
    enabled_providers: list[str] | None = None
    strict_plugins: bool = False
    # parallel-chat's conversation log (langchain_parallel/_logs.py).
    logs_enabled: bool = True
    logs_path: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments beat the environment, which beats `.env`, which beats the file."""
        path = _toml_path.get()
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            dotenv_settings,
        ]
        if path is not None:
            sources.append(_CheckedTomlSource(settings_cls, path))
        return tuple(sources)


class _CheckedTomlSource(TomlConfigSettingsSource):
    """The TOML source, with errors that name the file and keys kept out of it."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        self._path = path
        super().__init__(settings_cls, toml_file=path)
        _refuse_secrets(self.toml_data, path)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            return super()._read_file(file_path)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"Config file {self._path} is not valid TOML: {exc}"
            ) from exc


def _refuse_secrets(data: Mapping[str, Any], path: Path) -> None:
    where = ["api_key"] if "api_key" in data else []
    models = data.get("models", {})
    if isinstance(models, Mapping):
        where += [
            f"models.{alias}.api_key"
            for alias, entry in models.items()
            if isinstance(entry, Mapping) and "api_key" in entry
        ]
    if where:
        raise ConfigError(
            f"Config file {path} sets {where[0]!r}: API keys do not belong in a config "
            "file that may be committed. Remove it and set PARALLEL_API_KEY in the "
            "environment or in a .env file instead."
        )


def config_path(config_file: str | os.PathLike[str] | None = None) -> Path | None:
    """The TOML file to read: the argument, `PARALLEL_CONFIG_FILE` or `parallel.toml`.

    A file named explicitly must exist; the default one is optional.
    """
    named = config_file or os.environ.get(f"{ENV_PREFIX}CONFIG_FILE")
    if named:
        path = Path(named).expanduser().absolute()
        if not path.is_file():
            origin = "config_file" if config_file else "PARALLEL_CONFIG_FILE"
            raise ConfigError(f"Config file {path} (from {origin}) does not exist.")
        return path
    default = Path(DEFAULT_CONFIG_FILE).absolute()
    return default if default.is_file() else None


def _stamp(path: Path | None) -> tuple[str, int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


_cache: dict[tuple[Any, ...], ParallelSettings] = {}


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
) -> ParallelSettings:
    """Return the settings, read again only when their inputs changed."""
    path = config_path(config_file)
    env = tuple(
        sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX))
    )
    key = (env, os.getcwd(), _stamp(Path(".env")), _stamp(path))
    cached = _cache.get(key)
    if cached is not None:
        return cached
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


def fill_from_settings(
    kwargs: dict[str, Any], fields: tuple[str, ...]
) -> dict[str, Any]:
    """`kwargs` with unset (or `None`) `fields` taken from the loaded settings."""
    missing = [name for name in fields if kwargs.get(name) is None]
    if not missing:
        return kwargs
    settings = load_settings(kwargs.get("config_file"))
    resolved = dict(kwargs)
    for name in missing:
        value = getattr(settings, name)
        if value is None:
            resolved.pop(name, None)
        else:
            resolved[name] = value
    return resolved


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
        elif path is not None:
            origin = f"config file {path}, key {dotted!r}"
        else:
            origin = f".env entry {env_name}"
        shown = "" if field == "api_key" else f" (got {err.get('input')!r})"
        lines.append(f"{origin}: {err['msg']}{shown}")
    return "Invalid Parallel settings: " + "; ".join(lines)
