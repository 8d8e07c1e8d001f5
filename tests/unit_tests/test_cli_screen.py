"""What a user sees in a terminal: the progress line never touches the answer.

Each test runs `parallel-chat` on a real pseudo-terminal, stdout and stderr both on
it as in an interactive shell, and reads back the final screen. The progress line
must have been drawn (it is in the raw bytes) and must be gone from the screen,
with every line of the answer intact: one-line and multi-line answers, speed and
research models, a model that reports progress as reasoning blocks, with `rich`
and without it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)

from cli_support.terminal import Screen, run_in_terminal
from cli_support.thinking import ANSWER, BOOTSTRAP, STEPS
from parallel_standin import Fault, StandIn

HERE = Path(__file__).parent.parent  # tests/: cli_support, parallel_standin
MULTILINE = "First line of the answer.\nSecond line, longer than the first one.\nThird."


@pytest.fixture(params=["rich", "plain"])
def terminal_env(
    request: pytest.FixtureRequest, standin: StandIn, tmp_path: Path
) -> dict[str, str]:
    """The environment of a user's shell; "plain" hides `rich` as if not installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARALLEL_")}
    env.update(
        PARALLEL_BASE_URL=standin.url,
        PARALLEL_API_KEY="standin-key",
        PARALLEL_LOGS_PATH=str(tmp_path / "logs.db"),
        TERM="xterm-256color",
        PYTHONPATH=str(HERE),
    )
    env.pop("NO_COLOR", None)
    if request.param == "plain":
        blocked = tmp_path / "no-rich"
        (blocked / "rich").mkdir(parents=True)
        (blocked / "rich" / "__init__.py").write_text(
            "raise ImportError('rich is not installed (blocked by the test)')\n"
        )
        env["PYTHONPATH"] = f"{blocked}{os.pathsep}{HERE}"
    return env


def chat(env: Mapping[str, str], *argv: str) -> Screen:
    return run_in_terminal([sys.executable, "-m", "langchain_parallel", *argv], env)


def assert_progress_was_drawn(screen: Screen, label: str, env: Mapping[str, str]):
    assert label.encode() in screen.raw, screen.raw
    assert label not in screen.text
    plain = "no-rich" in env["PYTHONPATH"]
    # rich hides the cursor while it draws; the plain line does not touch it.
    assert (b"\x1b[?25l" in screen.raw) is not plain


@pytest.mark.parametrize("answer", [None, MULTILINE], ids=["one-line", "multi-line"])
def test_speed_answer_is_intact(
    terminal_env: dict[str, str], standin: StandIn, answer: str | None
) -> None:
    standin.chat.answer_text = answer
    screen = chat(terminal_env, "-m", "speed", "What is new in AI?")
    assert screen.code == 0, screen.raw
    expected = answer or "Stand-in answer from the speed model to: What is new in AI?"
    assert screen.text == expected
    assert_progress_was_drawn(screen, "Asking speed", terminal_env)


@pytest.mark.parametrize("answer", [None, MULTILINE], ids=["one-line", "multi-line"])
def test_research_answer_and_sources_are_intact(
    terminal_env: dict[str, str], standin: StandIn, answer: str | None
) -> None:
    standin.chat.answer_text = answer
    screen = chat(terminal_env, "-m", "parallel:lite", "Who leads battery research?")
    assert screen.code == 0, screen.raw
    expected = (
        answer or "Stand-in answer from the lite model to: Who leads battery research?"
    )
    assert screen.text == "\n".join(
        [
            expected,
            "Sources:",
            "  [1] Stand-in source 1 - https://example.com/standin/output/1",
            "  [2] https://example.org/standin/output/1b",
        ]
    )
    assert_progress_was_drawn(screen, "Researching with lite", terminal_env)
    assert b"of usually 10-60 s" in screen.raw  # the documented range of lite


@pytest.mark.parametrize("flag", ["--no-stream", "--json"])
def test_whole_answers_are_intact(
    terminal_env: dict[str, str], standin: StandIn, flag: str
) -> None:
    standin.chat.answer_text = MULTILINE
    screen = chat(terminal_env, flag, "-m", "speed", "Question")
    assert screen.code == 0, screen.raw
    if flag == "--json":
        assert '"content": "First line of the answer.\\nSecond line' in screen.text
    else:
        assert screen.text == MULTILINE
    assert_progress_was_drawn(screen, "Asking speed", terminal_env)
    assert b"Researching" not in screen.raw


def test_reasoning_blocks_show_as_progress_only(terminal_env: dict[str, str]) -> None:
    screen = run_in_terminal(
        [sys.executable, "-c", BOOTSTRAP, "-m", "thinking:deep", "Deep question"],
        terminal_env,
    )
    assert screen.code == 0, screen.raw
    assert screen.text == ANSWER
    for step in STEPS:
        assert step.encode() in screen.raw
    assert_progress_was_drawn(screen, "Asking deep", terminal_env)


def test_error_after_partial_answer_starts_on_its_own_line(
    terminal_env: dict[str, str], standin: StandIn
) -> None:
    standin.inject(Fault("stream_error", message="Task failed", after=3))
    screen = chat(terminal_env, "-m", "lite", "Question")
    assert screen.code == 1
    lines = screen.text.splitlines()
    assert lines[0] == "Stand-in answer from"
    assert lines[1].startswith("parallel-chat: The stream reported an error")
