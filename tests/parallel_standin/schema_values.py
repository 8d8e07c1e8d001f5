"""Values that fit a JSON schema: the stand-in's structured answers (chat and tasks)."""

from __future__ import annotations

from typing import Any


def instance(schema: dict[str, Any], hint: str = "answer") -> Any:
    """A value valid for `schema` (the subset LangChain and pydantic emit)."""
    return _instance(schema, schema, hint)


def _instance(schema: dict[str, Any], root: dict[str, Any], hint: str) -> Any:
    """A value valid for a JSON schema (the subset LangChain and pydantic emit)."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _instance(target, root, hint)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _instance(options[0], root, hint)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _instance(sub, root, name) for name, sub in props.items()}
    if kind == "array":
        return [_instance(schema.get("items", {}), root, hint)] * max(
            1, schema.get("minItems", 1)
        )
    if kind == "integer":
        low = schema.get(
            "minimum",
            schema.get("exclusiveMinimum", 0) + 1
            if "exclusiveMinimum" in schema
            else 0,
        )
        return int(max(low, min(schema.get("maximum", 7), 7)))
    if kind == "number":
        return float(
            max(schema.get("minimum", 0), min(schema.get("maximum", 7.5), 7.5))
        )
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return f"Stand-in {hint}"
