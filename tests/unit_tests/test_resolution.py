"""How names resolve: the default model, typos, and errors that say what is wrong."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from parallel_standin import StandIn

from langchain_parallel import ChatParallelWeb, init_chat_model
from langchain_parallel._init import chat_model_for
from langchain_parallel.cli import main
from langchain_parallel.errors import ConfigError, ProviderError

from .plugin_site import make_distribution, toy_provider

ALIASES = """
[models.research]
model = "parallel:core"
timeout = 600
[models.quick]
model = "parallel:speed"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "parallel.toml"
    path.write_text(ALIASES)
    return path


# --- the default model: PARALLEL_MODEL, .env, default_model, parallel:speed ------


@pytest.mark.parametrize(
    ("value", "model", "timeout"),
    [
        ("core", "core", None),
        ("parallel:lite", "lite", None),
        ("research", "core", 600),
    ],
)
def test_parallel_model_is_the_default(
    value: str,
    model: str,
    timeout: float | None,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARALLEL_MODEL", value)
    for llm in (init_chat_model(), chat_model_for()):
        assert (llm.model, llm.timeout) == (model, timeout)


def test_parallel_chat_uses_parallel_model(
    standin: StandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    monkeypatch.setenv("PARALLEL_API_KEY", "standin-key")
    monkeypatch.setenv("PARALLEL_MODEL", "parallel:lite")
    # Nothing piped: parallel-chat adds piped stdin to the question.
    assert main(["--json", "Who?"], stdin=io.StringIO()) == 0
    assert standin.requests[-1].body["model"] == "lite"


def test_default_from_dotenv_and_file(tmp_path: Path, config: Path) -> None:
    config.write_text('default_model = "quick"\n' + ALIASES)
    assert init_chat_model().model == "speed"
    (tmp_path / ".env").write_text("PARALLEL_MODEL=research\n")
    assert init_chat_model().timeout == 600.0


def test_constructor_takes_the_default_only_when_it_is_a_parallel_model(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_MODEL", "parallel:base")
    assert ChatParallelWeb().model == "base"
    monkeypatch.setenv("PARALLEL_MODEL", "research")
    with pytest.raises(ConfigError, match=r"PARALLEL_MODEL.*an alias.*init_chat_model"):
        ChatParallelWeb()
    assert ChatParallelWeb(model="lite").model == "lite"


# --- unknown names get our error: aliases, providers, models, nearest match -------


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("reserach", r"Unknown model or alias 'reserach'.*Did you mean 'research'\?"),
        ("Lite", r"Did you mean 'lite'\?"),
        ("turbo", r"Unknown model or alias 'turbo'\. Aliases"),
        ("paralel:speed", r"No installed provider is called 'paralel'.*'parallel'\?"),
        ("parallel:Lite", r"'parallel' has no model 'Lite'.*parallel:lite\?"),
    ],
)
def test_typos_get_our_error(name: str, match: str, config: Path) -> None:
    with pytest.raises(ProviderError, match=match) as info:
        init_chat_model(name)
    message = str(info.value)
    if "Aliases" in message:
        assert "Aliases in" in message
        assert "research, quick" in message
        assert "parallel (speed, lite, base, core)" in message
    assert "Supported providers" not in message  # not LangChain's 30-provider list


def test_a_misspelled_default_names_its_source(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_MODEL", "parallel:turbo")
    with pytest.raises(ProviderError, match=r"'turbo' \(from environment variable"):
        init_chat_model()
    monkeypatch.delenv("PARALLEL_MODEL")
    config.write_text('default_model = "reserach"\n' + ALIASES)
    with pytest.raises(
        ProviderError, match=rf"'reserach' \(from default_model in {config}"
    ):
        init_chat_model()


def test_a_provider_name_alone_is_not_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    make_distribution(
        site, "mine-dist", "mine", "mine_mod", toy_provider("mine", ("small",))
    )
    with pytest.raises(
        ProviderError,
        match=r"'mine' is a provider, not a model: write "
        r"'mine:<model>' \(its models: small\)",
    ):
        init_chat_model("mine")
    with pytest.raises(ProviderError, match=r"'mine' has no model 'huge'.*small"):
        init_chat_model("mine:huge")
    assert init_chat_model("mine:small").invoke("x").content == "small says hi"


def test_names_langchain_knows_still_go_to_langchain(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ImportError, match="langchain-anthropic"):
        init_chat_model("claude-sonnet-4-5")  # LangChain infers anthropic
    config.write_text('[models.claude]\nmodel = "anthropic:claude-sonnet-4-5"\n')
    with pytest.raises(ImportError, match="langchain-anthropic"):
        init_chat_model("claude")  # an alias of ours, a model of LangChain's
    monkeypatch.setenv("PARALLEL_MODEL", "anthropic:claude-sonnet-4-5")
    with pytest.raises(ImportError, match="langchain-anthropic"):
        init_chat_model()  # the default, resolved before LangChain sees it


def test_alias_entry_errors_name_file_and_key(config: Path) -> None:
    config.write_text(textwrap.dedent("[models.deep]\nmodle = 'parallel:core'\n"))
    with pytest.raises(
        ConfigError, match=rf"{config}: models\.deep\.model .*'modle': did you mean"
    ):
        init_chat_model("deep")
