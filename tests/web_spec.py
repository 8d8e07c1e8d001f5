"""Checks that a request body fits the Search or Extract API's request schema.

By the `parallel-web` SDK's request types (pydantic `TypeAdapter` over its
TypedDicts, plus a check for keys they do not define) and, where the SDK and
Parallel's OpenAPI document disagree, by the document.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from parallel.types.client_extract_params import ClientExtractParams
from parallel.types.client_search_params import ClientSearchParams
from pydantic import TypeAdapter

ADAPTERS = {
    "/v1/search": TypeAdapter(ClientSearchParams),
    "/v1/extract": TypeAdapter(ClientExtractParams),
}
_ROOTS = {"/v1/search": ClientSearchParams, "/v1/extract": ClientExtractParams}


def _unknown_keys(value: Any, kind: Any, where: str = "") -> list[str]:
    """Keys of `value` that the SDK's TypedDict `kind` (recursively) does not define."""
    if not isinstance(value, Mapping):
        return []
    hints = typing.get_type_hints(kind)
    found = [f"{where}{k}" for k in value if k not in hints]
    for key, item in value.items():
        for arm in typing.get_args(hints.get(key)) or (hints.get(key),):
            if typing.is_typeddict(arm):
                found += _unknown_keys(item, arm, f"{where}{key}.")
    return found


def assert_fits_the_spec(path: str, body: dict[str, Any]) -> None:
    """`body` is a valid request for `path` by the SDK's types and the document."""
    ADAPTERS[path].validate_python(body)
    assert _unknown_keys(body, _ROOTS[path]) == []
    # The SDK also allows "turbo" and "fast"; the OpenAPI document, which we follow,
    # lists only these two.
    assert body.get("mode") in (None, "basic", "advanced")
