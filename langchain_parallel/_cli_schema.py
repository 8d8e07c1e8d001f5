"""`parallel-chat --schema`: a schema typed in a terminal, or read from a file.

Three forms:

- a field list: `name, founded int, site: the company's web site` — each field is
  `<name> [<type>][: <description>]`, types `str` (the default), `int`, `float`,
  `bool`; separated by commas, or by newlines when there are several lines (then a
  description may contain commas);
- inline JSON: `'{"type": "object", "properties": {...}}'`;
- a JSON schema file: a path ending in `.json` or containing a `/`.

A field list becomes a pydantic model, so the answer is validated field by field;
a JSON schema is sent as is and the answer is checked for its required keys.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, create_model

from langchain_parallel.errors import ConfigError

TYPES: dict[str, type] = {
    "str": str,
    "string": str,
    "int": int,
    "integer": int,
    "float": float,
    "number": float,
    "bool": bool,
    "boolean": bool,
}
_FIELD = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\s+(?P<type>[A-Za-z]+))?\s*"
    r"(?::\s*(?P<description>.*))?$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Schema:
    """A parsed `--schema`."""

    target: type[BaseModel] | dict[str, Any]
    """What `with_structured_output` receives."""
    json_schema: dict[str, Any]
    """The JSON schema, as logged."""


def parse_schema(spec: str) -> Schema:
    """Parse `--schema`; `ConfigError` (exit 2) says what is wrong, before any call."""
    text = spec.strip()
    if text.startswith("{"):
        return _from_json(text, "the --schema argument")
    if text.endswith(".json") or os.sep in text or "/" in text:
        path = Path(text).expanduser()
        try:
            content = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"Cannot read the --schema file {path}: {exc}") from exc
        return _from_json(content, f"the --schema file {path}")
    return _from_fields(text)


def _from_json(text: str, origin: str) -> Schema:
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{origin} is not valid JSON: {exc}") from exc
    if not isinstance(schema, dict) or not (
        schema.get("type") == "object" or "properties" in schema
    ):
        raise ConfigError(
            f"{origin} must be a JSON schema of an object "
            '({"type": "object", "properties": {...}}).'
        )
    # LangChain names the schema after its title; the title is not sent.
    return Schema(target={"title": "answer", **schema}, json_schema=schema)


def _from_fields(text: str) -> Schema:
    parts = text.splitlines() if "\n" in text else text.split(",")
    fields: dict[str, Any] = {}
    for part in (p.strip() for p in parts):
        if not part:
            continue
        match = _FIELD.match(part)
        if match is None:
            raise ConfigError(
                f"--schema field {part!r} is not '<name> [<type>][: <description>]' "
                "(e.g. 'founded int: year of founding')."
            )
        name, kind, description = match["name"], match["type"], match["description"]
        if kind is not None and kind.lower() not in TYPES:
            raise ConfigError(
                f"--schema field {name!r} has unknown type {kind!r}; use one of "
                "str, int, float, bool."
            )
        if name in fields:
            raise ConfigError(f"--schema names the field {name!r} twice.")
        annotation = TYPES[kind.lower()] if kind else str
        fields[name] = (
            annotation,
            Field(description=(description or "").strip() or None),
        )
    if not fields:
        raise ConfigError(
            "--schema needs at least one field, e.g. 'name, founded int'."
        )
    model = create_model("Answer", **fields)
    return Schema(target=model, json_schema=model.model_json_schema())


def to_json(value: Any) -> Any:
    """The parsed answer as JSON-ready data."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
