"""The TOML config file: which one is read, and what it may hold.

`PARALLEL_CONFIG_FILE` names it, else `./parallel.toml` is read when it exists.
Unknown top-level keys, API keys and malformed alias tables are refused with the
file's path, the key and the nearest valid key.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from langchain_parallel._hints import nearest
from langchain_parallel.errors import ConfigError

DEFAULT_CONFIG_FILE = "parallel.toml"
ENV_VARIABLE = "PARALLEL_CONFIG_FILE"
# The default model's key in the file: `model` at the top level would read as a
# setting of every model, which it is not.
FILE_KEYS = {"default_model": "model"}
# Top-level keys the file may hold (the key and the file's own path may not).
TOP_LEVEL = (
    "default_model",
    "base_url",
    "timeout",
    "max_retries",
    "models",
    "tools",
    "disabled_providers",
    "enabled_providers",
    "strict_plugins",
    "logs_enabled",  # parallel-chat's conversation log
    "logs_path",
)
ALIAS_TABLES = {"models": "model", "tools": "tool"}


def config_path(config_file: str | os.PathLike[str] | None = None) -> Path | None:
    """The TOML file to read: the argument, `PARALLEL_CONFIG_FILE` or `parallel.toml`.

    A file named explicitly must exist; the default one is optional.
    """
    named = config_file or os.environ.get(ENV_VARIABLE)
    if named:
        path = Path(named).expanduser().absolute()
        if not path.is_file():
            origin = "config_file" if config_file else "PARALLEL_CONFIG_FILE"
            raise ConfigError(f"Config file {path} (from {origin}) does not exist.")
        return path
    default = Path(DEFAULT_CONFIG_FILE).absolute()
    return default if default.is_file() else None


def read_toml(path: Path) -> dict[str, Any]:
    # Imported here: most processes have no config file, so no TOML to parse.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}") from exc


def check_file(data: Mapping[str, Any], path: Path) -> None:
    """Refuse unknown top-level keys, keys in the file and malformed alias tables."""
    _refuse_secrets(data, path)
    for key in data:
        if key not in TOP_LEVEL:
            hint = "default_model" if key == "model" else nearest(key, TOP_LEVEL)
            raise ConfigError(
                f"Config file {path}: unknown key {key!r}"
                + (f"; did you mean {hint!r}?" if hint else ".")
                + f" Valid top-level keys: {', '.join(TOP_LEVEL)}."
            )
    for table, target in ALIAS_TABLES.items():
        entries = data.get(table, {})
        if not isinstance(entries, Mapping):
            raise ConfigError(f"Config file {path}: {table!r} must be a table.")
        for alias, entry in entries.items():
            where = f"Config file {path}: {table}.{alias}"
            if not isinstance(entry, Mapping):
                raise ConfigError(f"{where} must be a table ([{table}.{alias}]).")
            if not isinstance(entry.get(target), str):
                hint = nearest(target, [k for k in entry if k != target])
                raise ConfigError(
                    f"{where}.{target} must be a string such as 'parallel:"
                    + ("core'" if table == "models" else "search'")
                    + (f"; found {hint!r}: did you mean {target!r}?" if hint else ".")
                )


def _refuse_secrets(data: Mapping[str, Any], path: Path) -> None:
    where = ["api_key"] if "api_key" in data else []
    for table in ALIAS_TABLES:
        entries = data.get(table, {})
        if isinstance(entries, Mapping):
            where += [
                f"{table}.{alias}.api_key"
                for alias, entry in entries.items()
                if isinstance(entry, Mapping) and "api_key" in entry
            ]
    if where:
        raise ConfigError(
            f"Config file {path} sets {where[0]!r}: API keys do not belong in a config "
            "file that may be committed. Remove it and set PARALLEL_API_KEY in the "
            "environment or in a .env file instead."
        )
