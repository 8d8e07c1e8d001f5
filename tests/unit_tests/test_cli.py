"""`parallel-chat` against the stand-in: answers, input, options, errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support.invoke import Stream, run
from parallel_standin import Fault, StandIn

from langchain_parallel._cli_progress import Progress, duration, span
from langchain_parallel.cli import main

# Every test logs into its own folder, never the user's data directory.
pytestmark = pytest.mark.usefixtures("logs_path")


def cli(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """parallel-chat in a subprocess, with the test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "langchain_parallel", *argv],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        **kwargs,  # type: ignore[arg-type]
    )


def user_message(standin: StandIn) -> str:
    messages = standin.requests[-1].body["messages"]
    return str(messages[-1]["content"])


# --- answers -----------------------------------------------------------------


def test_speed_answer_streams(env: StandIn) -> None:
    code, out, err = run("-m", "speed", "What is new in AI?")
    assert code == 0
    assert out == "Stand-in answer from the speed model to: What is new in AI?\n"
    assert err == ""
    assert env.requests[-1].body["stream"] is True


def test_default_model_is_speed(env: StandIn) -> None:
    # Waits for issue #13: init_chat_model() with no model falls back to speed.
    code, out, _ = run("What is new in AI?")
    assert code == 0
    assert out.startswith("Stand-in answer from the speed model")


def test_parallel_model_is_honoured(
    env: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Waits for issue #13: init_chat_model() reads PARALLEL_MODEL.
    monkeypatch.setenv("PARALLEL_MODEL", "parallel:lite")
    code, out, _ = run("Question")
    assert code == 0
    assert out.startswith("Stand-in answer from the lite model")


def test_lite_answer_then_numbered_sources(env: StandIn) -> None:
    code, out, _ = run("-m", "parallel:lite", "Who leads battery research?")
    assert code == 0
    answer, sources = out.split("\nSources:\n")
    assert answer.startswith("Stand-in answer from the lite model")
    assert sources.splitlines() == [
        "  [1] Stand-in source 1 - https://example.com/standin/output/1",
        "  [2] https://example.org/standin/output/1b",
    ]


def test_no_stream_prints_the_whole_answer(env: StandIn) -> None:
    code, out, _ = run("--no-stream", "-m", "lite", "Question")
    assert code == 0
    assert out.startswith("Stand-in answer from the lite model to: Question\n")
    assert "Sources:" in out
    assert "stream" not in env.requests[-1].body


def test_json_output(env: StandIn) -> None:
    code, out, _ = run("--json", "-m", "lite", "A question")
    assert code == 0
    data = json.loads(out)
    assert data["content"].startswith("Stand-in answer from the lite model")
    assert data["response_metadata"]["model"] == "lite"
    assert data["response_metadata"]["basis"]
    assert len(data["conversation_id"]) == 16


def test_alias_from_config_file(env: StandIn) -> None:
    Path("parallel.toml").write_text(
        'default_model = "deep"\n[models.deep]\nmodel = "parallel:core"\n'
    )
    code, out, _ = run("Default question")
    assert code == 0
    assert "core model" in out
    code, out, _ = run("-m", "deep", "Alias question")
    assert "core model" in out


# --- the question: arguments, stdin, both ----------------------------------------


def test_question_from_stdin_and_system_prompt(env: StandIn) -> None:
    code, out, _ = run(
        "-m", "speed", "--system", "Be brief.", stdin="Piped question\n", tty=False
    )
    assert code == 0
    assert "Piped question" in out
    assert env.requests[-1].body["messages"][0] == {
        "role": "system",
        "content": "Be brief.",
    }


def test_question_and_piped_text_are_both_sent(env: StandIn) -> None:
    article = "Line one of the article.\nLine two.\n"
    code, _, _ = run("-m", "speed", "Summarize this:", stdin=article, tty=False)
    assert code == 0
    assert user_message(env) == "Summarize this:\n\nLine one of the article.\nLine two."


def test_words_are_joined_and_dash_reads_stdin(env: StandIn) -> None:
    assert run("-m", "speed", "What", "is", "new?")[0] == 0
    assert user_message(env) == "What is new?"
    assert run("-m", "speed", "-", stdin="From stdin", tty=False)[0] == 0
    assert user_message(env) == "From stdin"


def test_a_terminal_on_stdin_is_not_read(env: StandIn) -> None:
    code, _, _ = run("-m", "speed", "Only this", stdin="never read", tty=True)
    assert code == 0
    assert user_message(env) == "Only this"


def test_a_question_named_like_a_command_can_be_asked(env: StandIn) -> None:
    code, out, _ = run("logs")  # the first word: the command
    assert code == 0
    assert out.startswith("Nothing logged yet")
    assert env.requests == []
    assert run("-m", "speed", "--", "logs")[0] == 0
    assert user_message(env) == "logs"
    assert run("-m", "speed", "models")[0] == 0  # not the first word: a question
    assert user_message(env) == "models"


# --- errors --------------------------------------------------------------------


def test_missing_key_exits_2_naming_the_variable(
    standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    code, _, err = run("-m", "speed", "hi")
    assert code == 2
    assert "PARALLEL_API_KEY" in err
    assert "Traceback" not in err


def test_bad_key_exits_1_with_the_message(
    env: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "wrong")
    code, _, err = run("-m", "speed", "hi")
    assert code == 1
    assert err.startswith("parallel-chat: Authentication failed")


def test_failed_stream_exits_1_after_the_partial_answer(env: StandIn) -> None:
    env.inject(Fault("stream_error", message="Task failed", after=3))
    code, out, err = run("-m", "lite", "hi")
    assert code == 1
    assert out == "Stand-in answer from \n"  # ended, so the error starts a line
    assert "Task failed" in err


def test_usage_errors_exit_2(env: StandIn) -> None:
    assert run("-m", "speed", stdin="", tty=True)[0] == 2  # no question at all
    code, _, err = run("-m", "parallel:ultra", "hi")
    assert code == 2
    assert "speed, lite, base, core" in err


def test_bad_setting_names_the_variable(
    env: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_TIMEOUT", "abc")
    code, _, err = run("-m", "speed", "hi")
    assert code == 2
    assert err.startswith("parallel-chat: Invalid Parallel settings")
    assert "PARALLEL_TIMEOUT" in err
    assert "None" not in err
    assert env.requests == []


def test_model_typo_names_the_nearest_model(env: StandIn) -> None:
    # Waits for issue #13: our ProviderError with the nearest alias or model.
    code, _, err = run("-m", "sped", "hi")
    assert code == 2
    assert err.startswith("parallel-chat: ")
    assert "speed" in err
    assert len(err.strip().splitlines()) == 1
    assert env.requests == []


def test_a_timeout_says_how_often_the_request_was_sent(env: StandIn) -> None:
    env.inject(Fault("slow", delay=2, sticky=True))
    variables = {"PARALLEL_TIMEOUT": "1", "PARALLEL_MAX_RETRIES": "1"}
    result = cli("-m", "speed", "hi", env={**os.environ, **variables})
    assert result.returncode == 1
    assert result.stderr.startswith("parallel-chat: Request timed out waiting")
    assert "Sent 2 times (max_retries=1, PARALLEL_MAX_RETRIES)." in result.stderr
    assert len(env.requests) == 2


def test_a_stalled_stream_was_not_retried_and_does_not_say_so(env: StandIn) -> None:
    env.inject(Fault("stream_stall", after=2, delay=3))
    result = cli("-m", "speed", "hi", env={**os.environ, "PARALLEL_TIMEOUT": "1"})
    assert result.returncode == 1
    assert result.stdout == "Stand-in answer \n"
    assert "timed out while reading the answer" in result.stderr
    assert "Sent" not in result.stderr
    assert len(env.requests) == 1


def test_short_timeout_warning_is_one_line_of_ours(env: StandIn) -> None:
    result = cli(
        "-m",
        "core",
        "hi",
        env={**os.environ, "PARALLEL_TIMEOUT": "0.5"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("parallel-chat: warning: timeout=0.5 s ")
    assert "is below 'core''s documented time" in result.stderr
    assert ".py" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_broken_pipe_exits_141_without_a_traceback(
    env: StandIn, logs_path: Path
) -> None:
    env.chat.answer_text = "word " * 100_000  # far more than a pipe buffers
    env.chat.chunk_chars = 4096
    with subprocess.Popen(
        [sys.executable, "-m", "langchain_parallel", "-m", "speed", "Long"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.read(10) == b"word word "
        process.stdout.close()  # what `| head -c 10` does
        stderr = process.stderr.read().decode()
        assert process.wait() == 141
    assert stderr == ""
    from langchain_parallel._logs import LogStore

    with LogStore(logs_path) as store:
        (exchange,) = store.recent(1)
    assert exchange.status == "interrupted"
    assert exchange.error == "stdout was closed"


# --- --schema ------------------------------------------------------------------


def test_schema_field_list_prints_validated_json(env: StandIn) -> None:
    code, out, _ = run(
        "-m", "lite", "--schema", "name, founded int: year of founding", "Makers"
    )
    assert code == 0
    assert json.loads(out) == {"name": "Stand-in name", "founded": 7}
    sent = env.requests[-1].body["response_format"]
    assert sent["type"] == "json_schema"
    properties = sent["json_schema"]["schema"]["properties"]
    assert properties["founded"]["type"] == "integer"
    assert properties["founded"]["description"] == "year of founding"
    assert properties["name"]["type"] == "string"


def test_schema_from_a_file(env: StandIn, tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "people": {"type": "integer"}},
        "required": ["city", "people"],
    }
    (tmp_path / "city.json").write_text(json.dumps(schema))
    code, out, _ = run("-m", "speed", "--schema", "city.json", "Largest city?")
    assert code == 0
    assert json.loads(out) == {"city": "Stand-in city", "people": 7}
    assert env.requests[-1].body["response_format"]["json_schema"]["schema"] == schema


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("name, age years", "unknown type 'years'"),
        ("name, name", "twice"),
        ("{not json", "not valid JSON"),
        ("missing.json", "Cannot read"),
        ("9lives", "is not '<name> [<type>]"),
    ],
)
def test_bad_schema_exits_2_before_any_request(
    env: StandIn, spec: str, message: str
) -> None:
    code, _, err = run("-m", "speed", "--schema", spec, "Question")
    assert code == 2
    assert message in err
    assert env.requests == []


def test_answer_that_does_not_fit_the_schema_exits_1_keeping_it(
    env: StandIn,
) -> None:
    env.chat.ignore_response_format = True
    code, out, err = run("-m", "speed", "--schema", "name", "Question")
    assert code == 1
    assert out == ""
    assert "not JSON" in err
    assert "Stand-in answer from the speed model to: Question" in err


# --- progress (its screen is tested in test_cli_screen.py) -----------------------


def test_progress_only_on_a_terminal() -> None:
    quiet = Stream(tty=False)
    with Progress(quiet, "Researching") as progress:
        assert not progress.active
    assert quiet.getvalue() == ""


def test_progress_line_reads_well() -> None:
    shown = Stream(tty=True)
    with Progress(shown, "Researching with core", (60, 300)) as progress:
        progress.note("Planning\nSearching the web  ")
        assert progress.line() == (
            "Researching with core  0s of usually 1-5 min  Searching the web"
        )
    assert "Searching the web" in shown.getvalue()
    assert [duration(s) for s in (5, 65, 3 * 3600 + 7 * 60)] == [
        "5s",
        "1m 05s",
        "3h 07m",
    ]
    assert span(10, 60) == "10-60 s"


def test_reasoning_goes_to_stderr_never_to_stdout(
    env: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib.metadata import EntryPoint

    from cli_support.thinking import ANSWER, STEPS

    from langchain_parallel.registry import Registry, reset_registry

    entry = EntryPoint(
        "thinking", "cli_support.thinking", "langchain_parallel.providers"
    )
    reset_registry(Registry(entry_points=[entry]))  # fresh_registry undoes it
    out, err = Stream(), Stream(tty=True)
    code = main(["-m", "thinking:deep", "Deep"], out=out, err=err, stdin=Stream())
    assert code == 0
    assert out.getvalue() == ANSWER + "\n"
    for step in STEPS:
        assert step in err.getvalue()


# --- start-up ----------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(flag: str) -> None:
    probe = (
        "import sys\n"
        "from langchain_parallel.cli import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "heavy = [m for m in ('langchain_core', 'openai', 'pydantic', 'httpx2')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert "HEAVY []" in result.stdout, result.stdout
    assert ("parallel-chat (langchain-parallel) " in result.stdout) == (
        flag == "--version"
    )


def test_collector_is_back_on_while_the_answer_streams(env: StandIn) -> None:
    # The console script pauses the garbage collector for start-up only: a long
    # answer must be collected as usual.
    probe = (
        "import gc, sys\n"
        "from langchain_parallel import _cli_ask, cli\n"
        "stream = _cli_ask._stream\n"
        "def spy(*args, **kwargs):\n"
        "    sys.stderr.write(f'collecting={gc.isenabled()}\\n')\n"
        "    return stream(*args, **kwargs)\n"
        "_cli_ask._stream = spy\n"
        "sys.argv = ['parallel-chat', '-m', 'speed', 'Hello']\n"
        "cli.run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "collecting=True\n"
    assert result.stdout.endswith("to: Hello\n")


def test_console_script_and_module(env: StandIn) -> None:
    result = cli("-m", "speed", "From a subprocess")
    assert result.returncode == 0, result.stderr
    assert "From a subprocess" in result.stdout
