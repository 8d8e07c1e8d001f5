"""Tools by name: `load_tool`, `list_tools` and `[tools.<alias>]` in the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_parallel.errors import ConfigError, ProviderError
from langchain_parallel.registry import list_tools, load_tool

from .plugin_site import make_distribution


def test_plugins_offer_tools_by_name() -> None:
    assert {"fake:search", "parallel:extract", "parallel:search"} <= set(list_tools())
    tool = load_tool("fake:search", max_results=3)
    results = tool.invoke("solid-state batteries")
    assert [r["url"] for r in results] == [
        f"https://example.com/{i}" for i in (1, 2, 3)
    ]


def test_tool_alias_defaults_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "parallel.toml").write_text(
        '[tools.news]\ntool = "fake:search"\ndomain = "news.example"\nmax_results = 1\n'
    )
    assert load_tool("news").invoke("q") == [
        {"url": "https://news.example/1", "title": "q (1)"}
    ]
    assert len(load_tool("news", max_results=2).invoke("q")) == 2  # argument wins


def test_misspelled_tool_alias_key_names_file_and_table(tmp_path: Path) -> None:
    path = tmp_path / "parallel.toml"
    path.write_text('[tools.news]\ntool = "fake:search"\ndomian = "x"\n')
    with pytest.raises(ConfigError, match=rf"(?s){path}, \[tools\.news\].*domian"):
        load_tool("news")
    path.write_text('[tools.news]\ntol = "fake:search"\n')
    with pytest.raises(ConfigError, match=r"tools\.news\.tool .*'tol': did you mean"):
        load_tool("news")


def test_unknown_tool_suggests_the_nearest(tmp_path: Path) -> None:
    (tmp_path / "parallel.toml").write_text('[tools.news]\ntool = "fake:search"\n')
    with pytest.raises(
        ProviderError,
        match=r"Unknown tool 'fake:serch'\. Did you mean 'fake:search'\?.*"
        r"Tools: .*parallel:search.*Aliases: news",
    ):
        load_tool("fake:serch")


def test_tools_of_a_disabled_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", "fake")
    assert not any(name.startswith("fake:") for name in list_tools())
    with pytest.raises(ProviderError, match="'fake' is disabled"):
        load_tool("fake:search")


def test_parallel_tools_build() -> None:
    tools = pytest.importorskip("langchain_parallel.tools")
    assert isinstance(load_tool("parallel:search"), tools.ParallelSearchTool)
    assert isinstance(load_tool("parallel:extract"), tools.ParallelExtractTool)


def test_aliases_describe_the_config_file(tmp_path: Path) -> None:
    from langchain_parallel.registry import Alias, aliases

    path = tmp_path / "parallel.toml"
    path.write_text(
        '[models.deep]\nmodel = "parallel:core"\ntimeout = 600\n'
        '[tools.news]\ntool = "fake:search"\nmax_results = 1\n'
    )
    assert aliases() == [
        Alias("deep", "model", "parallel:core", {"timeout": 600}, path),
        Alias("news", "tool", "fake:search", {"max_results": 1}, path),
    ]


LENIENT_TOOL = """
from langchain_core.tools import BaseTool
from langchain_parallel.hookspecs import ToolProvider, hookimpl

class Lenient(BaseTool):  # LangChain's default: unknown arguments ignored
    name: str = "lenient"
    description: str = "echo"
    prefix: str = ">"

    def _run(self, text: str) -> str:
        return f"{self.prefix} {text}"

@hookimpl
def tool_providers():
    return [ToolProvider(provider="loose", name="echo", create=Lenient)]
"""


def test_arguments_a_tool_would_ignore_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    make_distribution(site, "loose-tools", "loose", "loose_mod", LENIENT_TOOL)
    assert load_tool("loose:echo", prefix="#").invoke("hi") == "# hi"
    with pytest.raises(ConfigError, match=r"'prefx'; did you mean 'prefix'\?"):
        load_tool("loose:echo", prefx="#")
    path = tmp_path / "parallel.toml"
    path.write_text('[tools.shout]\ntool = "loose:echo"\nprefx = "!"\n')
    with pytest.raises(ConfigError, match=rf"{path}, \[tools\.shout\]: .*'prefx'"):
        load_tool("shout")
