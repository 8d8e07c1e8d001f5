"""`parallel-chat` against the stand-in: answers, sources, JSON, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from parallel_standin import Fault, StandIn

from langchain_parallel.cli import _progress, main


class Stream(io.StringIO):
    def __init__(self, text: str = "", tty: bool = False) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def env(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    monkeypatch.setenv("PARALLEL_API_KEY", "standin-key")
    return standin


def run(*argv: str, stdin: str = "", tty: bool = True) -> tuple[int, str, str]:
    out, err = Stream(), Stream()
    code = main(list(argv), out=out, err=err, stdin=Stream(stdin, tty=tty))
    return code, out.getvalue(), err.getvalue()


def test_speed_answer_streams(env: StandIn) -> None:
    code, out, err = run("What is new in AI?")
    assert code == 0
    assert out == "Stand-in answer from the speed model to: What is new in AI?\n"
    assert err == ""
    assert env.requests[-1].body["stream"] is True


def test_lite_answer_then_numbered_sources(env: StandIn) -> None:
    code, out, _ = run("-m", "parallel:lite", "Who leads battery research?")
    assert code == 0
    answer, sources = out.split("\nSources:\n")
    assert answer.startswith("Stand-in answer from the lite model")
    assert sources.splitlines() == [
        "  [1] Stand-in source 1 - https://example.com/standin/output/1",
        "  [2] https://example.org/standin/output/1b",
    ]


def test_question_from_stdin_and_system_prompt(env: StandIn) -> None:
    code, out, _ = run("--system", "Be brief.", stdin="Piped question\n", tty=False)
    assert code == 0
    assert "Piped question" in out
    assert env.requests[-1].body["messages"][0] == {
        "role": "system",
        "content": "Be brief.",
    }


def test_json_output(env: StandIn) -> None:
    code, out, _ = run("--json", "-m", "lite", "A question")
    assert code == 0
    data = json.loads(out)
    assert data["content"].startswith("Stand-in answer from the lite model")
    assert data["response_metadata"]["model"] == "lite"
    assert data["response_metadata"]["basis"]


def test_alias_from_config_file(env: StandIn, tmp_path: Path) -> None:
    (tmp_path / "parallel.toml").write_text(
        'default_model = "deep"\n[models.deep]\nmodel = "parallel:core"\n'
    )
    code, out, _ = run("Default question")
    assert code == 0
    assert "core model" in out
    code, out, _ = run("-m", "deep", "Alias question")
    assert "core model" in out


def test_missing_key_exits_2_naming_the_variable(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    code, _, err = run("hi")
    assert code == 2
    assert "PARALLEL_API_KEY" in err
    assert "Traceback" not in err


def test_bad_key_exits_1_with_the_message(
    env: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "wrong")
    code, _, err = run("hi")
    assert code == 1
    assert err.startswith("parallel-chat: Authentication failed")


def test_failed_stream_exits_1(env: StandIn) -> None:
    env.inject(Fault("stream_error", message="Task failed"))
    code, _, err = run("-m", "lite", "hi")
    assert code == 1
    assert "Task failed" in err


def test_usage_errors_exit_2(env: StandIn) -> None:
    assert run(stdin="", tty=True)[0] == 2  # no question at all
    code, _, err = run("-m", "parallel:ultra", "hi")
    assert code == 2
    assert "speed, lite, base, core" in err


def test_progress_only_on_a_terminal() -> None:
    quiet = Stream(tty=False)
    with _progress(quiet, "Researching"):
        pass
    assert quiet.getvalue() == ""
    shown = Stream(tty=True)
    with _progress(shown, "Researching") as done:
        done.wait(0.5)
    assert "Researching" in shown.getvalue()


def test_console_script_and_module(env: StandIn) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "langchain_parallel", "From a subprocess"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "From a subprocess" in result.stdout
