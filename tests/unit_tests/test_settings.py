"""Arguments beat the environment, which beats .env, which beats the config file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from langchain_parallel import ChatParallelWeb
from langchain_parallel._settings import load_settings
from langchain_parallel.errors import ConfigError, MissingAPIKeyError


def test_defaults() -> None:
    llm = ChatParallelWeb()
    assert (llm.model, llm.base_url, llm.max_retries) == (
        "speed",
        "https://api.parallel.ai",
        2,
    )
    assert llm.api_key is None
    assert llm.timeout is None


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "env-key")
    monkeypatch.setenv("PARALLEL_MODEL", "core")
    monkeypatch.setenv("PARALLEL_BASE_URL", "https://proxy.example/")
    monkeypatch.setenv("PARALLEL_TIMEOUT", "700")
    monkeypatch.setenv("PARALLEL_MAX_RETRIES", "0")
    llm = ChatParallelWeb()
    assert llm.api_key is not None
    assert llm.api_key.get_secret_value() == "env-key"
    assert (llm.model, llm.base_url, llm.timeout, llm.max_retries) == (
        "core",
        "https://proxy.example",
        700.0,
        0,
    )


def test_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PARALLEL_API_KEY=dotenv-key\nPARALLEL_MODEL=lite\n")
    llm = ChatParallelWeb()
    assert llm.api_key is not None
    assert llm.api_key.get_secret_value() == "dotenv-key"
    assert llm.model == "lite"


def test_arguments_beat_environment_beats_dotenv_beats_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "parallel.toml").write_text('default_model = "core"\ntimeout = 900\n')
    (tmp_path / ".env").write_text("PARALLEL_MODEL=base\nPARALLEL_TIMEOUT=800\n")
    monkeypatch.setenv("PARALLEL_TIMEOUT", "700")
    llm = ChatParallelWeb()
    assert (llm.model, llm.timeout) == ("base", 700.0)
    assert ChatParallelWeb(model="lite", timeout=30).timeout == 30.0
    monkeypatch.delenv("PARALLEL_TIMEOUT")
    (tmp_path / ".env").unlink()
    assert ChatParallelWeb().timeout == 900.0


def test_missing_key_named_when_a_request_needs_it() -> None:
    llm = ChatParallelWeb()  # constructing without a key is fine
    with pytest.raises(MissingAPIKeyError, match="PARALLEL_API_KEY"):
        llm.invoke("hi")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "gpt-4o"}, "choose one of speed, lite, base, core"),
        ({"timeout": 0}, "positive number of seconds"),
        ({"timeout": -5}, "positive number of seconds"),
        ({"max_retries": -1}, "max_retries must be 0 or more"),
        ({"base_url": "api.parallel.ai"}, "http\\(s\\) URL"),
        ({"base_url": "ftp://api.parallel.ai"}, "http\\(s\\) URL"),
        ({"temprature": 0.2}, "Unknown argument.*temprature.*extra_body"),
        ({"timeout": "soon"}, "Invalid argument for ChatParallelWeb: timeout"),
    ],
)
def test_bad_arguments_refused_at_construction(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ChatParallelWeb(api_key="k", **kwargs)


def test_bad_environment_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARALLEL_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="PARALLEL_TIMEOUT"):
        ChatParallelWeb()


def test_short_timeout_for_research_model_warns() -> None:
    with pytest.warns(UserWarning, match="below 'core'"):
        ChatParallelWeb(model="core", timeout=5)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "parallel.toml"
    path.write_text("default_model = \n")
    with pytest.raises(ConfigError, match=str(path)):
        ChatParallelWeb()


def test_bad_value_in_file_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "parallel.toml"
    path.write_text('timeout = "soon"\n')
    with pytest.raises(ConfigError, match=f"{path}.*'timeout'"):
        load_settings()


def test_key_in_config_file_refused(tmp_path: Path) -> None:
    (tmp_path / "parallel.toml").write_text(
        '[models.quick]\nmodel = "parallel:speed"\napi_key = "sk-leak"\n'
    )
    with pytest.raises(
        ConfigError, match=r"models\.quick\.api_key.*PARALLEL_API_KEY"
    ) as info:
        load_settings()
    assert "sk-leak" not in str(info.value)


def test_named_config_file_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_CONFIG_FILE", "/nonexistent/parallel.toml")
    with pytest.raises(ConfigError, match="PARALLEL_CONFIG_FILE"):
        ChatParallelWeb()


def test_settings_reread_when_environment_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ChatParallelWeb().model == "speed"
    monkeypatch.setenv("PARALLEL_MODEL", "base")
    assert ChatParallelWeb().model == "base"


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ("timout = 5\n", "timout", "timeout"),
        ('default_modle = "quick"\n', "default_modle", "default_model"),
        ('model = "core"\n', "model", "default_model"),
        ('disabled_provider = ["fake"]\n', "disabled_provider", "disabled_providers"),
    ],
)
def test_misspelled_top_level_key_names_file_key_and_nearest(
    text: str, key: str, hint: str, tmp_path: Path
) -> None:
    path = tmp_path / "parallel.toml"
    path.write_text(text)
    with pytest.raises(
        ConfigError, match=rf"{path}: unknown key '{key}'; did you mean '{hint}'\?"
    ):
        ChatParallelWeb()


def test_short_timeout_warning_points_at_the_caller() -> None:
    from langchain.chat_models import init_chat_model as langchain_init

    from langchain_parallel import init_chat_model

    builders = [
        lambda: ChatParallelWeb(model="core", timeout=5),
        lambda: init_chat_model("parallel:core", timeout=5),
        lambda: langchain_init("parallel:core", timeout=5),  # through the bridge
    ]
    for build in builders:
        with pytest.warns(UserWarning, match=r"^timeout=5 s is below 'core'") as got:
            build()
        assert [w.filename for w in got] == [__file__]


@pytest.mark.parametrize(
    ("arrange", "origin"),
    [
        ("env", "environment variable PARALLEL_TIMEOUT"),
        ("dotenv", ".env entry PARALLEL_TIMEOUT"),
        ("file", "timeout in {path}"),
        ("alias", r"models\.research in {path}"),
    ],
)
def test_short_timeout_warning_names_the_setting(
    arrange: str, origin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_parallel import init_chat_model

    path = tmp_path / "parallel.toml"
    path.write_text('[models.research]\nmodel = "parallel:core"\n')
    if arrange == "env":
        monkeypatch.setenv("PARALLEL_TIMEOUT", "5")
    elif arrange == "dotenv":
        (tmp_path / ".env").write_text("PARALLEL_TIMEOUT=5\n")
    elif arrange == "file":
        path.write_text('timeout = 5\n[models.research]\nmodel = "parallel:core"\n')
    else:
        path.write_text('[models.research]\nmodel = "parallel:core"\ntimeout = 5\n')
    expected = rf"timeout=5 s \(from {origin.format(path=path)}\) is below 'core'"
    with pytest.warns(UserWarning, match=expected) as caught:
        init_chat_model("research")
    assert caught[0].filename == __file__
    with pytest.warns(UserWarning, match=r"^timeout=2 s is below") as caught:
        init_chat_model("research", timeout=2)  # an argument: no origin to name
    assert caught[0].filename == __file__


@pytest.mark.parametrize(
    ("value", "expected"),
    [('["a", "b"]', ["a", "b"]), ("a,b", ["a", "b"]), (" a , ", ["a"]), ("", [])],
)
def test_provider_lists_take_json_or_commas(
    value: str, expected: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_DISABLED_PROVIDERS", value)
    monkeypatch.setenv("PARALLEL_ENABLED_PROVIDERS", value)
    settings = load_settings()
    assert settings.disabled_providers == expected
    assert settings.enabled_providers == (expected or None)


def test_settings_machinery_loads_with_the_first_model(tmp_path: Path) -> None:
    # pydantic-settings is most of the import time: importing the chat model must
    # not pay for it, and TOML is parsed only when there is a config file.
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from langchain_parallel import ChatParallelWeb\n"
        "def loaded():\n"
        "    return [m for m in ('pydantic_settings', 'tomllib') if m in sys.modules]\n"
        "print(loaded())\n"
        "ChatParallelWeb()\n"
        "print(loaded())\n"
        "Path('parallel.toml').write_text('timeout = 90\\n')\n"
        "print(ChatParallelWeb().timeout, loaded())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARALLEL_")}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.stdout.splitlines() == [
        "[]",
        "['pydantic_settings']",
        "90.0 ['pydantic_settings', 'tomllib']",
    ]
