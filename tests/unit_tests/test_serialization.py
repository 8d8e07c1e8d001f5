"""`load(dumpd(model))` in one documented line; no failure on the way shows the key."""

from __future__ import annotations

import re
import traceback
from pathlib import Path
from typing import Any

import pytest
from langchain_core.load import dumpd, dumps, load, loads

from langchain_parallel import ChatParallelTask, ChatParallelWeb
from langchain_parallel.errors import ConfigError

KEY = "sk-par-very-secret-0123456789"
LINE = {
    "valid_namespaces": ["langchain_parallel"],
    "allowed_objects": [ChatParallelWeb],
}

pytestmark = pytest.mark.filterwarnings(
    "ignore::langchain_core._api.beta_decorator.LangChainBetaWarning",
    "ignore::langchain_core._api.deprecation.LangChainPendingDeprecationWarning",
)


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> ChatParallelWeb:
    monkeypatch.setenv("PARALLEL_API_KEY", KEY)
    return ChatParallelWeb(
        model="core", timeout=300, extra_body={"metadata": {"team": "r"}}, seed=7
    )


def _everything_shown(exc: BaseException) -> str:
    """What a user would see: the traceback with every chained exception."""
    return "".join(traceback.format_exception(exc))


def test_the_documented_line_round_trips(model: ChatParallelWeb) -> None:
    loaded = load(dumpd(model), **LINE)
    assert isinstance(loaded, ChatParallelWeb)
    assert loaded.asdict() == model.asdict()
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == KEY  # read from the environment


def test_the_json_string_round_trips(model: ChatParallelWeb) -> None:
    text = dumps(model)
    assert KEY not in text
    assert "PARALLEL_API_KEY" not in text  # no reference a loader could resolve
    loaded = loads(text, **LINE)
    assert loaded.asdict() == model.asdict()


def test_without_a_key_in_the_environment_the_model_asks_for_one(
    model: ChatParallelWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = dumpd(model)
    monkeypatch.delenv("PARALLEL_API_KEY")
    loaded = load(data, **LINE)
    with pytest.raises(ConfigError, match="PARALLEL_API_KEY"):
        loaded.invoke("Hi")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"allowed_objects": "all"},
        {"valid_namespaces": ["langchain_parallel"]},
        {"allowed_objects": [ChatParallelWeb]},
        {"allowed_objects": [ChatParallelWeb], "secrets_from_env": True},
        {
            "allowed_objects": [ChatParallelWeb],
            "secrets_map": {"PARALLEL_API_KEY": KEY},
        },
    ],
)
def test_failed_round_trips_never_show_the_key(
    model: ChatParallelWeb, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"not allowed|Invalid namespace") as info:
        load(dumpd(model), **kwargs)
    assert KEY not in _everything_shown(info.value)


@pytest.mark.parametrize(
    "tampered",
    [{"timeout": -1}, {"timeout": "soon"}, {"max_retries": "x"}, {"modle": "core"}],
)
def test_a_constructor_failure_during_load_never_shows_the_key(
    model: ChatParallelWeb, tampered: dict[str, Any]
) -> None:
    data = dumpd(model)
    data["kwargs"].update(tampered)
    with pytest.raises(ConfigError) as info:
        load(data, **LINE)
    assert KEY not in _everything_shown(info.value)


def test_an_invalid_key_value_is_described_without_its_value() -> None:
    secret = 12345678901234
    with pytest.raises(ConfigError, match="api_key") as info:
        ChatParallelWeb(api_key=secret)
    assert str(secret) not in str(info.value)
    # pydantic's own error, which prints the input, is not chained for display.
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_the_readmes_line_runs_as_written(model: ChatParallelWeb) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Serialization\n", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    namespace: dict[str, Any] = {"llm": model, "ChatParallelWeb": ChatParallelWeb}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["restored"].asdict() == model.asdict()


def test_the_task_model_serializes_no_key_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", KEY)
    llm = ChatParallelTask(model="ultra", time_budget=300)
    text = dumps(llm)
    assert KEY not in text
    assert "PARALLEL_API_KEY" not in text  # no reference a loader could resolve
    line = {"valid_namespaces": ["langchain_parallel"]}
    loaded = loads(text, **line, allowed_objects=[ChatParallelTask])
    assert isinstance(loaded, ChatParallelTask)
    assert (loaded.model, loaded.time_budget) == ("ultra", 300)
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == KEY  # read from the environment
