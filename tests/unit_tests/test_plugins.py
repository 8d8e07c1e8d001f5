"""The plugin manager: registration, blocking, isolation, and what is imported when."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from langchain_parallel import ChatParallelWeb, _provider, init_chat_model
from langchain_parallel.errors import ProviderError
from langchain_parallel.registry import (
    ProviderPluginWarning,
    Registry,
    get_registry,
    list_providers,
    reset_registry,
)

from .plugin_site import make_distribution, toy_provider


def test_builtin_providers_need_no_installed_metadata() -> None:
    # A source checkout on PYTHONPATH has no entry points at all.
    registry = Registry([], strict=True, disabled=())
    offered = [p.name for p in _provider.chat_model_providers()]
    assert offered  # every provider the built-in module offers resolves
    for name in offered:
        provider = registry.get(name)
        assert provider is not None
        assert provider.name == name
    reset_registry(registry)
    assert isinstance(init_chat_model("parallel:speed"), ChatParallelWeb)


def test_one_module_behind_two_entry_points(site: Path) -> None:
    code = """
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_parallel.hookspecs import Provider, hookimpl

    def make(model, **kwargs):
        return FakeListChatModel(responses=[model], **kwargs)

    @hookimpl
    def chat_model_providers():
        return [
            Provider(name="twin_a", create=make, models=("a1",)),
            Provider(name="twin_b", create=make, models=("b1",)),
        ]
    """
    make_distribution(
        site, "twins", {"twin_a": "twins_mod", "twin_b": "twins_mod"}, "twins_mod", code
    )
    assert init_chat_model("twin_b:b1").invoke("x").content == "b1"
    assert init_chat_model("a1").invoke("x").content == "a1"
    assert {"twin_a", "twin_b"} <= set(list_providers())


def test_disabled_plugin_is_blocked_and_never_imported(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_distribution(site, "spy-one", "spy", "spy_one_mod", toy_provider("spy"))
    monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", "spy, fake")  # comma-separated
    assert list_providers() == ["parallel", "parallel_task"]
    with pytest.raises(ProviderError, match=r"'spy'.*disabled by PARALLEL_DISABLED"):
        init_chat_model("spy:x")
    assert "spy_one_mod" not in sys.modules


@pytest.mark.parametrize("value", ['["parallel"]', "parallel", " parallel , "])
def test_disabled_builtin_is_not_built_by_langchain(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", value)
    with pytest.raises(ProviderError, match=r"'parallel'.*disabled"):
        init_chat_model("parallel:speed")
    with pytest.raises(ProviderError, match=r"'parallel'.*disabled"):
        init_chat_model("speed")  # a bare name of a disabled provider
    from langchain.chat_models import init_chat_model as langchain_init

    with pytest.raises(ProviderError, match=r"'parallel'.*disabled"):
        langchain_init("parallel:speed", api_key="k")


def test_each_unset_option_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_ENABLED_PROVIDERS", "fake")
    registry = Registry(strict=False, disabled=())
    assert registry.list_providers() == ["fake"]
    monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", "fake")
    assert Registry(strict=False, enabled=["fake", "parallel"]).names() == ["parallel"]


def test_prefix_no_plugin_claims_imports_no_plugin(site: Path) -> None:
    make_distribution(site, "spy-two", "spytwo", "spy_two_mod", toy_provider("spytwo"))
    with pytest.raises(ImportError, match="langchain-anthropic"):
        init_chat_model("anthropic:claude-sonnet-4-5")  # LangChain's to build
    assert "spy_two_mod" not in sys.modules


def test_failing_hook_is_isolated_and_unregistered(site: Path) -> None:
    make_distribution(
        site,
        "hook-fails",
        "flaky",
        "flaky_mod",
        """
        from langchain_parallel.hookspecs import hookimpl

        @hookimpl
        def chat_model_providers():
            raise RuntimeError("hook exploded")
        """,
    )
    with pytest.warns(ProviderPluginWarning, match=r"'flaky'.*hook-fails.*exploded"):
        providers = list_providers()
    assert "flaky" not in providers
    assert list_providers() == providers  # the manager works on, without it
    with pytest.raises(ProviderError, match=r"'flaky'.*failed to load.*exploded"):
        init_chat_model("flaky:x")


def test_plugin_warnings_point_at_the_callers_line(site: Path) -> None:
    make_distribution(site, "broken-two", "broken2", "broken2_mod", "1/0\n")
    with pytest.warns(ProviderPluginWarning) as caught:
        get_registry().get("broken2")
    assert caught[0].filename == __file__


def test_own_entry_point_is_no_clash() -> None:
    (ours,) = metadata.entry_points(
        group="langchain_parallel.providers", name="parallel"
    )
    registry = Registry([ours, ours], strict=True, disabled=())
    assert registry.names() == [
        "parallel",
        "parallel_task",
    ]  # no warning: warnings are errors here


def test_bridged_provider_without_a_plugin_is_our_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langchain.chat_models import base
    from langchain.chat_models import init_chat_model as langchain_init

    from langchain_parallel._bridge import Creator

    entry = ("langchain_parallel", "ChatParallelWeb", Creator("ghost"))
    monkeypatch.setitem(base._BUILTIN_PROVIDERS, "ghost", entry)
    base._get_chat_model_creator.cache_clear()
    with pytest.raises(ProviderError, match="No installed provider is called 'ghost'"):
        langchain_init("ghost:x")  # not back to LangChain, round and round
    base._get_chat_model_creator.cache_clear()


def test_unavailable_reads_its_settings_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # Asked before any lookup has configured the registry.
    monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", "parallel")
    reason = Registry([]).unavailable("parallel")
    assert reason == "disabled by PARALLEL_DISABLED_PROVIDERS"
