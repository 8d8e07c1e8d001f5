"""Helping the user: the nearest valid name, and warnings that point at their line."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name` (a typo or a wrong case), if any is close."""
    import difflib  # error paths only: not worth its import time on every import

    by_lower = {c.lower(): c for c in candidates}
    found = difflib.get_close_matches(name.lower(), by_lower, n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


# Frames of these packages are skipped: a warning points at the user's own line
# (for a warning raised while LangChain is imported: at the user's import).
_MACHINERY = frozenset(
    {
        "langchain_parallel",
        "langchain",
        "langchain_core",
        "pydantic",
        "pluggy",
        "importlib",
    }
)


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """`warnings.warn` attributed to the first caller outside this package.

    Python 3.12's `skip_file_prefixes` does this; 3.10 and 3.11 need the stack
    walked to find the level.
    """
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and (
        frame.f_globals.get("__name__", "").partition(".")[0] in _MACHINERY
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
