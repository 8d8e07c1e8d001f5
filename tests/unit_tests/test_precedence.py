"""One precedence rule, every setting against every source.

explicit argument > alias entry > environment > .env > config file top level >
built-in default. For each setting and each source, that source and every source
below it hold different values; the model must get that source's value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from langchain_parallel import ChatParallelWeb, init_chat_model
from langchain_parallel._settings import load_settings

SOURCES = ("explicit", "alias", "environment", "dotenv", "file", "default")

# setting -> a distinct value per source (the default is the built-in one).
VALUES: dict[str, dict[str, Any]] = {
    "timeout": {
        "explicit": 101.0,
        "alias": 102.0,
        "environment": 103.0,
        "dotenv": 104.0,
        "file": 105.0,
        "default": None,
    },
    "max_retries": {
        "explicit": 5,
        "alias": 4,
        "environment": 3,
        "dotenv": 1,
        "file": 0,
        "default": 2,
    },
    "base_url": {
        **{s: f"https://{s}.example" for s in SOURCES[:-1]},
        "default": "https://api.parallel.ai",
    },
}


def toml(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def arrange(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    winner: str,
    model_in_alias: str = "parallel:speed",
) -> dict[str, Any]:
    """Give `winner` and every source below it a value; return explicit kwargs."""
    present = SOURCES[SOURCES.index(winner) :]
    values = VALUES[setting]
    alias = [f'model = "{model_in_alias}"']
    top: list[str] = []
    if "alias" in present:
        alias.append(f"{setting} = {toml(values['alias'])}")
    if "environment" in present:
        monkeypatch.setenv(f"PARALLEL_{setting.upper()}", str(values["environment"]))
    if "dotenv" in present:
        (tmp_path / ".env").write_text(
            f"PARALLEL_{setting.upper()}={values['dotenv']}\n"
        )
    if "file" in present:
        top.append(f"{setting} = {toml(values['file'])}")
    (tmp_path / "parallel.toml").write_text(
        "\n".join([*top, "[models.chosen]", *alias]) + "\n"
    )
    return {setting: values["explicit"]} if "explicit" in present else {}


@pytest.mark.parametrize("winner", SOURCES)
@pytest.mark.parametrize("setting", sorted(VALUES))
def test_every_setting_from_every_source(
    setting: str, winner: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    explicit = arrange(tmp_path, monkeypatch, setting, winner)
    llm = init_chat_model("chosen", **explicit)
    assert getattr(llm, setting) == VALUES[setting][winner]
    if winner != "alias":  # the same rule, less the alias, for the class itself
        llm = ChatParallelWeb(**explicit)
        assert getattr(llm, setting) == VALUES[setting][winner]


MODELS = {
    "explicit": "parallel:lite",
    "environment": "base",
    "dotenv": "parallel:core",
    "file": "lite",
    "default": "speed",
}


@pytest.mark.parametrize("winner", list(MODELS))
def test_the_model_from_every_source(
    winner: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The model's alias level is the alias itself: init_chat_model("<alias>").
    present = list(MODELS)[list(MODELS).index(winner) :]
    if "environment" in present:
        monkeypatch.setenv("PARALLEL_MODEL", MODELS["environment"])
    if "dotenv" in present:
        (tmp_path / ".env").write_text(f"PARALLEL_MODEL={MODELS['dotenv']}\n")
    if "file" in present:
        (tmp_path / "parallel.toml").write_text(f'default_model = "{MODELS["file"]}"\n')
    model = MODELS["explicit"] if winner == "explicit" else None
    assert init_chat_model(model).model == MODELS[winner].rpartition(":")[2]


def test_api_key_from_every_source_it_may_come_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("PARALLEL_API_KEY=from-dotenv\n")
    assert init_chat_model().api_key.get_secret_value() == "from-dotenv"
    monkeypatch.setenv("PARALLEL_API_KEY", "from-env")
    assert init_chat_model().api_key.get_secret_value() == "from-env"
    llm = init_chat_model(api_key="explicit")
    assert llm.api_key.get_secret_value() == "explicit"


@pytest.mark.parametrize("winner", ["environment", "dotenv", "file", "default"])
def test_registry_settings_from_every_source(
    winner: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {"environment": ["a"], "dotenv": ["b"], "file": ["c"], "default": []}
    present = list(values)[list(values).index(winner) :]
    if "environment" in present:
        monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", "a")
    if "dotenv" in present:
        (tmp_path / ".env").write_text("PARALLEL_DISABLED_PROVIDERS=b\n")
    if "file" in present:
        (tmp_path / "parallel.toml").write_text('disabled_providers = ["c"]\n')
    assert load_settings().disabled_providers == values[winner]
