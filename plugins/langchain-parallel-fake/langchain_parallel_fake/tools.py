"""`FakeSearchTool`: search results shaped like Parallel's, with no network."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from pydantic import ConfigDict


class FakeSearchTool(BaseTool):
    """Returns `max_results` made-up results for any query, offline."""

    # Unknown arguments (a misspelled config-file key) are errors, not dropped.
    model_config = ConfigDict(extra="forbid")

    name: str = "fake_search"
    description: str = "Search the web (offline fake: made-up results)."
    max_results: int = 2
    domain: str = "example.com"

    def _run(self, query: str, **kwargs: Any) -> list[dict[str, str]]:
        return [
            {"url": f"https://{self.domain}/{i}", "title": f"{query} ({i})"}
            for i in range(1, self.max_results + 1)
        ]
