"""Request checks for `/v1/search` and `/v1/extract`, from Parallel's OpenAPI document.

Each schema below transcribes one of the document's components
(`V1SearchRequest`, `AdvancedSearchSettings`, `SourcePolicy`, `FetchPolicy`,
`V1ExcerptSettings`, `V1ExtractRequest`, `AdvancedExtractSettings`,
`FullContentSettings`): types, required fields, enums, `additionalProperties:
false` where the document says so, and the limits its descriptions state. `check`
returns the first problem as FastAPI/pydantic would report it, or None.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

Spec = dict[str, Any]
Problem = tuple[list[Any], str, str]  # loc, msg, type

INT: Spec = {"type": "integer"}
NUMBER: Spec = {"type": "number"}
STRING: Spec = {"type": "string"}
STRINGS: Spec = {"type": "array", "items": STRING}
EXCERPT_SETTINGS: Spec = {
    "type": "object",
    "closed": True,
    "props": {"max_chars_per_result": {**INT, "null": True}},
}
FULL_CONTENT_SETTINGS: Spec = {
    "type": "object",
    "props": {"max_chars_per_result": {**INT, "null": True}},
}
FETCH_POLICY: Spec = {
    "type": "object",
    "props": {
        # "Minimum value 600 seconds (10 minutes)."
        "max_age_seconds": {**INT, "null": True, "minimum": 600},
        "timeout_seconds": {**NUMBER, "null": True},
        "disable_cache_fallback": {"type": "boolean"},
    },
}
SOURCE_POLICY: Spec = {
    "type": "object",
    "props": {
        "include_domains": STRINGS,
        "exclude_domains": STRINGS,
        "after_date": {"type": "date", "null": True},
    },
}
SEARCH_REQUEST: Spec = {
    "type": "object",
    "closed": True,
    "required": ["search_queries"],
    "props": {
        "objective": {**STRING, "null": True},
        "search_queries": {**STRINGS, "min_items": 1},
        "mode": {"type": "string", "enum": ["basic", "advanced"], "null": True},
        "max_chars_total": {**INT, "null": True},
        "session_id": {**STRING, "null": True, "max_length": 1000},
        "client_model": {**STRING, "null": True},
        "advanced_settings": {
            "type": "object",
            "closed": True,
            "null": True,
            "props": {
                "source_policy": {**SOURCE_POLICY, "null": True},
                "fetch_policy": {**FETCH_POLICY, "null": True},
                "excerpt_settings": {**EXCERPT_SETTINGS, "null": True},
                "location": {**STRING, "null": True},
                "max_results": {**INT, "null": True},
            },
        },
    },
}
EXTRACT_REQUEST: Spec = {
    "type": "object",
    "closed": True,
    "required": ["urls"],
    "props": {
        # "URLs to extract content from. Up to 20 URLs."
        "urls": {**STRINGS, "min_items": 1, "max_items": 20},
        "objective": {**STRING, "null": True},
        "search_queries": {**STRINGS, "null": True},
        "max_chars_total": {**INT, "null": True},
        "session_id": {**STRING, "null": True, "max_length": 1000},
        "client_model": {**STRING, "null": True},
        "advanced_settings": {
            "type": "object",
            "closed": True,
            "null": True,
            "props": {
                "fetch_policy": {**FETCH_POLICY, "null": True},
                "excerpt_settings": {**EXCERPT_SETTINGS, "null": True},
                "full_content": {"type": "full_content"},
            },
        },
    },
}

_TYPES = {
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "int_type"),
    "number": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "float_type",
    ),
    "string": (lambda v: isinstance(v, str), "string_type"),
    "boolean": (lambda v: isinstance(v, bool), "bool_type"),
    "array": (lambda v: isinstance(v, list), "list_type"),
    "object": (lambda v: isinstance(v, dict), "dict_type"),
}


def check(value: Any, spec: Spec, loc: list[Any] | None = None) -> Problem | None:
    """The first way `value` breaks `spec`, or None."""
    loc = loc or []
    if value is None:
        return None if spec.get("null") else (loc, "Input should not be null", "none")
    kind = spec["type"]
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return (loc, "Input should be a valid date (YYYY-MM-DD)", "date_from_str")
        return None
    if kind == "full_content":  # FullContentSettings | boolean
        if isinstance(value, bool):
            return None
        return check(value, FULL_CONTENT_SETTINGS, loc)
    accepts, error = _TYPES[kind]
    if not accepts(value):
        return (loc, f"Input should be a valid {kind}", error)
    if "enum" in spec and value not in spec["enum"]:
        options = " or ".join(repr(o) for o in spec["enum"])
        return (loc, f"Input should be {options}", "literal_error")
    if "minimum" in spec and value < spec["minimum"]:
        return (loc, f"Input should be >= {spec['minimum']}", "greater_than_equal")
    if "max_length" in spec and len(value) > spec["max_length"]:
        return (
            loc,
            f"String should have at most {spec['max_length']} characters",
            "string_too_long",
        )
    if kind == "array":
        return _check_array(value, spec, loc)
    if kind == "object":
        return _check_object(value, spec, loc)
    return None


def _check_array(value: list[Any], spec: Spec, loc: list[Any]) -> Problem | None:
    if len(value) < spec.get("min_items", 0):
        return (loc, f"List should have at least {spec['min_items']} item", "too_short")
    if "max_items" in spec and len(value) > spec["max_items"]:
        return (loc, f"List should have at most {spec['max_items']} items", "too_long")
    for i, item in enumerate(value):
        if problem := check(item, spec["items"], [*loc, i]):
            return problem
    return None


def _check_object(value: dict[str, Any], spec: Spec, loc: list[Any]) -> Problem | None:
    props = spec["props"]
    for name in spec.get("required", ()):
        if name not in value:
            return ([*loc, name], "Field required", "missing")
    for name, item in value.items():
        if name not in props:
            if spec.get("closed"):
                return (
                    [*loc, name],
                    "Extra inputs are not permitted",
                    "extra_forbidden",
                )
            continue
        if problem := check(item, props[name], [*loc, name]):
            return problem
    return None
