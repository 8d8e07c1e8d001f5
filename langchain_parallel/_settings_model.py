"""`ParallelSettings`: the pydantic-settings class behind `_settings.load_settings`.

Its own module so that importing the chat model does not import pydantic-settings
(and the `.env` and TOML readers it brings, about two thirds of this package's
import time): `load_settings` imports it the first time it reads settings.
The precedence it implements is described in `langchain_parallel._settings`.
"""

from __future__ import annotations

import json
import os
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

from langchain_parallel._config_file import FILE_KEYS, check_file, read_toml
from langchain_parallel._settings import DEFAULT_BASE_URL, ENV_PREFIX
from langchain_parallel.errors import ConfigError

# Set while `read` runs, so the TOML source knows which file to read.
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


ENV_NAMES = tuple(
    f"{ENV_PREFIX}{name.upper()}" for name in ParallelSettings.model_fields
)
"""The environment variables the settings read."""


def read(path: Path | None) -> ParallelSettings:
    """Read the settings: environment, `.env`, then the config file at `path`.

    Raises:
        ConfigError: a value that does not validate, named by where it came from.

    """
    token = _toml_path.set(path)
    try:
        return ParallelSettings(config_file=path)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path)) from exc
    finally:
        _toml_path.reset(token)


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
