"""Provider plugins, init_chat_model, config-file aliases and the LangChain bridge."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from parallel_standin import StandIn
from pydantic import SecretStr

from langchain_parallel import ChatParallelWeb, _bridge, init_chat_model
from langchain_parallel.errors import (
    AuthenticationError,
    ConfigError,
    PluginLoadError,
    ProviderError,
)
from langchain_parallel.registry import (
    ProviderPluginWarning,
    get_registry,
    list_providers,
    reset_registry,
)

from .plugin_site import make_distribution


def test_provider_strings() -> None:
    llm = init_chat_model("parallel:speed", api_key="k", timeout=30)
    assert isinstance(llm, ChatParallelWeb)
    assert (llm.model, llm.timeout) == ("speed", 30.0)
    assert init_chat_model("lite", model_provider="parallel").model == "lite"
    assert init_chat_model("core").model == "core"  # Parallel's names need no prefix


def test_list_providers_includes_the_plugin_distribution() -> None:
    providers = list_providers()
    assert "parallel" in providers
    assert "fake" in providers, (
        "install plugins/langchain-parallel-fake (the README's test command does)"
    )


def test_plugin_provider_end_to_end() -> None:
    llm = init_chat_model("fake:lite", responses=["Paris is the capital of France."])
    msg = llm.invoke("Capital of France?")
    assert msg.content == "Paris is the capital of France."
    (block,) = msg.content_blocks
    assert block["annotations"][0]["url"] == "https://example.com/fake/1"
    chunks = list(llm.stream("again"))
    assert chunks[-1].response_metadata["model"] == "lite"


def test_config_file_default_and_aliases(tmp_path: Path) -> None:
    (tmp_path / "parallel.toml").write_text(
        textwrap.dedent(
            """
            default_model = "quick"
            [models.quick]
            model = "parallel:speed"
            [models.research]
            model = "parallel:core"
            timeout = 600
            """
        )
    )
    assert init_chat_model().model == "speed"
    research = init_chat_model("research")
    assert (research.model, research.timeout) == ("core", 600.0)
    assert init_chat_model("research", timeout=900).timeout == 900.0  # argument wins


def test_default_model_may_be_a_provider_string(tmp_path: Path) -> None:
    (tmp_path / "parallel.toml").write_text('default_model = "parallel:base"\n')
    assert init_chat_model().model == "base"


def test_config_file_named_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('[models.deep]\nmodel = "parallel:core"\n')
    monkeypatch.setenv("PARALLEL_CONFIG_FILE", str(path))
    assert init_chat_model("deep").model == "core"


def test_environment_beats_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "parallel.toml").write_text("timeout = 100\n")
    monkeypatch.setenv("PARALLEL_TIMEOUT", "200")
    assert init_chat_model("parallel:speed").timeout == 200.0


def test_broken_toml_names_path(tmp_path: Path) -> None:
    path = tmp_path / "parallel.toml"
    path.write_text("[models.quick\nmodel = 1\n")
    with pytest.raises(ConfigError, match=str(path)):
        init_chat_model("quick")


def test_bad_alias_entry_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "parallel.toml"
    path.write_text('[models.research]\nmodel = "parallel:core"\ntimeout = -1\n')
    with pytest.raises(ConfigError, match=r"models\.research.*positive number"):
        init_chat_model("research")
    path.write_text("[models.research]\ntimeout = 5\n")
    with pytest.raises(ConfigError, match=r"models\.research\.model"):
        init_chat_model("research")


def test_no_model_builds_the_default(standin: StandIn) -> None:
    assert init_chat_model().model == "speed"  # nothing configured: parallel:speed
    chooser = init_chat_model(
        configurable_fields=("model",), api_key="standin-key", base_url=standin.url
    )
    assert chooser.invoke("hi").response_metadata["model"] == "speed"
    msg = chooser.invoke("hi", config={"configurable": {"model": "parallel:lite"}})
    assert msg.response_metadata["model"] == "lite"


def test_configurable_fields(standin: StandIn) -> None:
    llm = init_chat_model(
        "parallel:speed",
        configurable_fields=("model",),
        config_prefix="chat",
        api_key="standin-key",
        base_url=standin.url,
    )
    assert llm.invoke("hi").response_metadata["model"] == "speed"
    msg = llm.invoke("hi", config={"configurable": {"chat_model": "base"}})
    assert standin.requests[-1].body["model"] == "base"
    assert msg.response_metadata["model"] == "base"
    chunks = list(llm.stream("hi", config={"configurable": {"chat_model": "lite"}}))
    assert chunks[-1].response_metadata["model"] == "lite"
    parsed = llm.with_structured_output(
        {"title": "x", "type": "object", "properties": {"a": {"type": "string"}}}
    ).invoke("hi")
    assert set(parsed) == {"a"}


def test_configurable_keys_are_never_shared(standin: StandIn) -> None:
    # A SecretStr's repr hides its value: two callers' keys must not meet in one
    # cached model.
    llm = init_chat_model(
        "parallel:speed", configurable_fields=("api_key",), base_url=standin.url
    )
    for key in ("key-of-tenant-a", "key-of-tenant-b"):
        config = {"configurable": {"api_key": SecretStr(key)}}
        with pytest.raises(AuthenticationError):
            llm.invoke("hi", config=config)
        assert any(key in value for value in standin.requests[-1].headers.values())


def test_unknown_provider_falls_through_to_langchain() -> None:
    with pytest.raises(ImportError, match="langchain-anthropic"):
        init_chat_model("anthropic:claude-sonnet-4-5")


def test_unknown_provider_without_langchain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain.chat_models", None)
    with pytest.raises(
        ProviderError,
        match=r"No installed provider is called 'mystery'.*fake \(any model name\); "
        r"parallel \(speed, lite, base, core\).*pip install langchain",
    ):
        init_chat_model("mystery:model-1")


def test_bare_model_names_find_the_provider_that_lists_them(site: Path) -> None:
    make_distribution(
        site,
        "small-models",
        "small",
        "small_mod",
        """
        from langchain_core.language_models.fake_chat_models import FakeListChatModel
        from langchain_parallel.hookspecs import Provider, hookimpl

        def make(model, **kwargs):
            return FakeListChatModel(responses=[f"{model} says hi"], **kwargs)

        @hookimpl
        def chat_model_providers():
            return [Provider(name="small", create=make, models=("tiny",))]
        """,
    )
    reset_registry()
    assert init_chat_model("tiny").invoke("hello").content == "tiny says hi"
    assert isinstance(init_chat_model("speed"), ChatParallelWeb)


def test_broken_plugin_is_skipped_with_a_warning(site: Path) -> None:
    make_distribution(
        site, "broken-plugin", "broken", "broken_mod", "raise RuntimeError('boom')\n"
    )
    reset_registry()
    assert isinstance(init_chat_model("parallel:speed"), ChatParallelWeb)
    with pytest.warns(ProviderPluginWarning, match=r"'broken'.*broken-plugin.*boom"):
        providers = list_providers()
    assert "parallel" in providers
    assert "broken" not in providers


def test_strict_mode_raises(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_distribution(site, "broken-plugin", "broken", "broken_mod", "1/0\n")
    monkeypatch.setenv("PARALLEL_STRICT_PLUGINS", "1")
    reset_registry()
    with pytest.raises(PluginLoadError, match="broken-plugin"):
        list_providers()


def test_duplicate_name_reported_and_ours_wins(site: Path) -> None:
    make_distribution(
        site,
        "aaa-impostor",
        "parallel",
        "impostor_mod",
        """
        from langchain_parallel.hookspecs import Provider, hookimpl

        @hookimpl
        def chat_model_providers():
            return [Provider(name="parallel", create=lambda model, **kw: None)]
        """,
    )
    reset_registry()
    with pytest.warns(
        ProviderPluginWarning,
        match=r"langchain-parallel \(built in\) \(used\).*aaa-impostor",
    ):
        llm = init_chat_model("parallel:speed")
    assert isinstance(llm, ChatParallelWeb)


def test_name_mismatch_is_a_broken_plugin(site: Path) -> None:
    make_distribution(
        site,
        "mislabelled",
        "label",
        "mislabelled_mod",
        """
        from langchain_parallel.hookspecs import Provider, hookimpl

        @hookimpl
        def chat_model_providers():
            return [Provider(name="other", create=lambda model, **kw: None)]
        """,
    )
    reset_registry()
    with pytest.warns(ProviderPluginWarning, match="none named 'label'"):
        assert get_registry().get("label") is None


def test_disabled_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", '["fake"]')
    reset_registry()
    assert list_providers() == ["parallel", "parallel_task"]


def test_enabled_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_ENABLED_PROVIDERS", '["fake"]')
    reset_registry()
    assert list_providers() == ["fake"]
    assert get_registry().get("parallel") is None


def _python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_import_scans_no_entry_points() -> None:
    out = _python(
        """
        import importlib.metadata as md
        calls = []
        real = md.entry_points
        def spy(*args, **kwargs):
            if kwargs.get("group") == "langchain_parallel.providers":
                calls.append(kwargs)
            return real(*args, **kwargs)
        md.entry_points = spy
        import langchain_parallel
        import sys
        print(len(calls), "langchain_parallel.chat_models" in sys.modules)
        """
    )
    assert out == "0 False"


@pytest.mark.parametrize("langchain_first", [False, True])
def test_langchain_init_chat_model_after_import(langchain_first: bool) -> None:
    imports = [
        "import langchain_parallel",
        "from langchain.chat_models import init_chat_model",
    ]
    order = "\n".join(reversed(imports) if langchain_first else imports)
    out = _python(
        order
        + """
        \nm = init_chat_model("parallel:lite", api_key="k")
        print(type(m).__name__, m.model)
        """.replace("        ", "")
    )
    assert out == "ChatParallelWeb lite"


def test_bridge_warns_if_langchain_internals_change() -> None:
    changed = types.ModuleType("langchain.chat_models.base")
    with pytest.warns(_bridge.LangChainBridgeWarning, match="internal provider table"):
        assert _bridge.register(changed) is False


def test_the_same_distribution_seen_twice_is_no_clash() -> None:
    from importlib import metadata

    from langchain_parallel.registry import Registry

    (ours,) = metadata.entry_points(
        group="langchain_parallel.providers", name="parallel"
    )
    registry = Registry([ours, ours], strict=True, disabled=())
    provider = registry.get("parallel")  # no warning: filterwarnings=error would fail
    assert provider is not None
    assert provider.name == "parallel"
