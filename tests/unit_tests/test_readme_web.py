"""The README's search, extract and retriever examples, against the stand-in.

Blocks run in order in one namespace, as a reader would run them, with
PARALLEL_API_KEY and PARALLEL_BASE_URL pointing at the stand-in. The one change:
the agent examples name a hosted model (`"openai:gpt-5-mini"`), which is replaced
by a scripted tool-calling model that sees only what a real one would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from parallel_standin import StandIn
from scripted_agent import ScriptedToolCaller

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Web search and page extraction for agents"
HOSTED = '"openai:gpt-5-mini"'


def blocks() -> list[str]:
    text = README.read_text()
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


def test_readme_web_examples_run(
    standin: StandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "standin-key")
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    namespace: dict[str, Any] = {
        "__name__": "__readme__",
        "scripted": ScriptedToolCaller(),
    }
    found = blocks()
    assert len(found) == 5
    for source in found:
        exec(compile(source.replace(HOSTED, "scripted"), "<README>", "exec"), namespace)
    out = capsys.readouterr().out
    assert out.count("Here is what I found, per https://") == 2  # both agents cite
    assert "failed: https://nowhere.invalid/ Error: fetch_error" in out
    assert len(namespace["docs"]) == 5
    assert {d.metadata["url"].split("/")[2] for d in namespace["docs"]} == {
        "nature.com",
        "arxiv.org",
    }
    paths = [seen.path for seen in standin.requests]
    assert paths.count("/v1/extract") == 2
