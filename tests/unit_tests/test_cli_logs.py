"""The conversation log: what is logged, continuing, `logs`, `models`, concurrency."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support.invoke import run
from parallel_standin import Fault, StandIn

from langchain_parallel._logs import (
    SCHEMA_VERSION,
    Exchange,
    LogStore,
    default_path,
)
from langchain_parallel.errors import ConfigError

# Every test logs into its own folder, never the user's data directory.
pytestmark = pytest.mark.usefixtures("logs_path")


def logged(path: Path, count: int = 100) -> list[Exchange]:
    with LogStore(path) as store:
        return store.recent(count)


# --- what is logged ----------------------------------------------------------------


def test_an_exchange_is_logged_with_everything(env: StandIn, logs_path: Path) -> None:
    code, out, _ = run("-m", "parallel:lite", "-s", "Be brief.", "Battery makers?")
    assert code == 0
    (exchange,) = logged(logs_path)
    assert exchange.question == "Battery makers?"
    assert exchange.system == "Be brief."
    assert exchange.model == "parallel:lite"
    assert exchange.requested_model == "parallel:lite"
    assert out.startswith(exchange.answer)
    assert exchange.answer.startswith("Stand-in answer from the lite model")
    assert exchange.basis is not None
    assert exchange.basis[0]["citations"][0]["url"].startswith("https://example.com")
    assert exchange.interaction_id is not None
    assert exchange.interaction_id.startswith("trun_")
    assert exchange.status == "ok"
    assert exchange.error is None
    assert exchange.duration_s is not None
    assert exchange.first_token_s is not None
    assert 0 <= exchange.first_token_s <= exchange.duration_s
    assert exchange.started.endswith("+00:00")


def test_logging_can_be_turned_off(
    env: StandIn, logs_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("--no-log", "-m", "speed", "Not logged")[0] == 0
    assert not logs_path.exists()
    monkeypatch.setenv("PARALLEL_LOGS_ENABLED", "false")
    assert run("-m", "speed", "Not logged either")[0] == 0
    assert not logs_path.exists()
    monkeypatch.delenv("PARALLEL_LOGS_ENABLED")
    Path("parallel.toml").write_text("logs_enabled = false\n")
    assert run("-m", "speed", "Nor this")[0] == 0
    assert not logs_path.exists()


def test_default_path_is_in_the_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "langchain-parallel" / "logs.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "langchain-parallel" / "logs.db"
    assert default_path() == expected


def test_an_unusable_log_is_reported_before_asking(
    env: StandIn, logs_path: Path
) -> None:
    logs_path.mkdir(parents=True)  # a directory where the database should be
    code, _, err = run("-m", "speed", "Question")
    assert code == 2
    assert "Cannot open the conversation log" in err
    assert "--no-log" in err
    assert env.requests == []


def test_a_failed_answer_is_logged_with_its_partial_text(
    env: StandIn, logs_path: Path
) -> None:
    env.inject(Fault("stream_error", message="Task failed", after=3))
    assert run("-m", "lite", "Question")[0] == 1
    (exchange,) = logged(logs_path)
    assert exchange.status == "error"
    assert exchange.answer == "Stand-in answer from "
    assert exchange.error is not None
    assert "Task failed" in exchange.error


@pytest.mark.parametrize(
    ("sent", "code", "reason"),
    [
        (signal.SIGINT, 130, "Ctrl-C"),
        (signal.SIGTERM, 143, "SIGTERM"),
        (signal.SIGHUP, 129, "SIGHUP"),  # the terminal was closed
    ],
)
def test_an_interrupted_answer_is_logged_with_its_partial_text(
    env: StandIn, logs_path: Path, sent: signal.Signals, code: int, reason: str
) -> None:
    env.inject(Fault("stream_stall", after=3, delay=30))
    with subprocess.Popen(
        [sys.executable, "-m", "langchain_parallel", "-m", "lite", "Question"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    ) as process:
        assert process.stdout is not None
        shown = b""
        while b"Stand-in answer from " not in shown:  # the answer has started
            shown += os.read(process.stdout.fileno(), 1024)
        process.send_signal(sent)
        assert process.wait(timeout=60) == code
    (exchange,) = logged(logs_path)
    assert exchange.status == "interrupted"
    assert exchange.answer == "Stand-in answer from "
    assert exchange.error == reason


# --- continuing a conversation -------------------------------------------------------


def test_continue_sends_history_and_the_interaction_id(
    env: StandIn, logs_path: Path
) -> None:
    assert run("-m", "lite", "-s", "Be brief.", "Who makes batteries?")[0] == 0
    (first,) = logged(logs_path)
    code, out, _ = run("-c", "And in Japan?")
    assert code == 0
    body = env.requests[-1].body
    assert body["model"] == "lite"  # the conversation's model
    assert body["previous_interaction_id"] == first.interaction_id
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Who makes batteries?"},
        {"role": "assistant", "content": first.answer},
        {"role": "user", "content": "And in Japan?"},
    ]
    assert out.startswith(f"Continuing the research of {first.interaction_id}")
    _, second = logged(logs_path)
    assert second.conversation_id == first.conversation_id
    assert second.previous_interaction_id == first.interaction_id


def test_cid_continues_a_chosen_conversation(env: StandIn, logs_path: Path) -> None:
    assert run("-m", "lite", "First conversation")[0] == 0
    assert run("-m", "core", "Second conversation")[0] == 0
    first, second = logged(logs_path)
    assert first.conversation_id != second.conversation_id
    assert run("--cid", first.conversation_id, "Back to the first")[0] == 0
    body = env.requests[-1].body
    assert body["model"] == "lite"
    assert body["previous_interaction_id"] == first.interaction_id
    assert logged(logs_path)[-1].conversation_id == first.conversation_id
    # -m still chooses the model of the next answer
    assert run("-c", "-m", "base", "Now with base")[0] == 0
    assert env.requests[-1].body["model"] == "base"


def test_a_failed_answer_is_not_sent_back_as_history(
    env: StandIn, logs_path: Path
) -> None:
    assert run("-m", "lite", "One")[0] == 0
    env.inject(Fault("stream_error", after=2))
    assert run("-c", "Two")[0] == 1
    assert run("-c", "Three")[0] == 0
    contents = [m["content"] for m in env.requests[-1].body["messages"]]
    assert contents[0] == "One"
    assert contents[2:] == ["Three"]


def test_nothing_to_continue_exits_2(env: StandIn) -> None:
    code, _, err = run("-c", "Hello again")
    assert code == 2
    assert "No conversation in the log" in err
    code, _, err = run("--cid", "0123456789abcdef", "Hello again")
    assert code == 2
    assert "No conversation 0123456789abcdef" in err
    assert env.requests == []


# --- the store ------------------------------------------------------------------------


def test_concurrent_commands_both_log(env: StandIn, logs_path: Path) -> None:
    env.inject(Fault("stream_slow", delay=0.05, sticky=True))  # they overlap
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "langchain_parallel", "-m", "speed", f"Q{n}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert sorted(e.question for e in logged(logs_path)) == ["Q0", "Q1", "Q2"]


WRITER = """
import sys
from pathlib import Path
from langchain_parallel._logs import Exchange, LogStore
with LogStore(Path(sys.argv[1])) as store:
    for n in range(40):
        store.log(Exchange(conversation_id=sys.argv[2], question=f"q{n}", model="m"))
"""


def test_many_writers_at_once_lose_nothing(logs_path: Path) -> None:
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(logs_path), f"writer{n}"])
        for n in range(4)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0, 0]
    exchanges = logged(logs_path, 1000)
    assert len(exchanges) == 160
    for n in range(4):
        mine = [e.question for e in exchanges if e.conversation_id == f"writer{n}"]
        assert mine == [f"q{i}" for i in range(40)]
    with sqlite3.connect(logs_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# The layout of version 1, frozen as it was released: the migration must keep
# every row of such a database readable.
VERSION_1 = (
    "CREATE TABLE conversations (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "created TEXT NOT NULL)",
    "CREATE TABLE exchanges (id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL "
    "REFERENCES conversations(id), model TEXT NOT NULL, requested_model TEXT, "
    "system TEXT, question TEXT NOT NULL, answer TEXT NOT NULL, basis TEXT, "
    "interaction_id TEXT, previous_interaction_id TEXT, status TEXT NOT NULL, "
    "error TEXT, started TEXT NOT NULL, first_token_s REAL, duration_s REAL)",
    "CREATE INDEX exchanges_by_conversation ON exchanges (conversation_id, id)",
    "INSERT INTO conversations VALUES ('c0ffee', 'Old question', "
    "'2026-01-02T03:04:05.000+00:00')",
    "INSERT INTO exchanges (conversation_id, model, question, answer, basis, "
    "interaction_id, status, started) VALUES ('c0ffee', 'parallel:core', "
    "'Old question', 'Old answer', "
    '\'[{"field": "output", "citations": [{"url": "https://example.com/old"}]}]\', '
    "'trun_old', 'ok', '2026-01-02T03:04:05.000+00:00')",
    "PRAGMA user_version = 1",
)


def test_an_older_schema_is_migrated(
    env: StandIn, logs_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs_path.parent.mkdir(parents=True)
    with sqlite3.connect(logs_path) as db:
        for statement in VERSION_1:
            db.execute(statement)
    db.close()
    with LogStore(logs_path) as store:
        assert store.version() == SCHEMA_VERSION == 2
        (old,) = store.recent(5)
    assert (old.question, old.answer, old.interaction_id) == (
        "Old question",
        "Old answer",
        "trun_old",
    )
    assert old.schema is None
    # and the migrated log works: continue the old conversation, with --schema
    assert run("-c", "--schema", "name", "Newer question")[0] == 0
    assert env.requests[-1].body["previous_interaction_id"] == "trun_old"
    assert env.requests[-1].body["model"] == "core"
    new = logged(logs_path)[-1]
    assert new.conversation_id == "c0ffee"
    assert new.schema is not None
    assert new.schema["properties"]["name"]["type"] == "string"


def test_a_newer_schema_is_refused(logs_path: Path) -> None:
    logs_path.parent.mkdir(parents=True)
    with sqlite3.connect(logs_path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(ConfigError, match="newer than this langchain-parallel"):
        LogStore(logs_path)
    code, _, err = run("logs")
    assert code == 2
    assert "Upgrade langchain-parallel" in err


# --- parallel-chat logs -------------------------------------------------------------


def test_logs_shows_recent_exchanges_with_sources(env: StandIn) -> None:
    assert run("-m", "speed", "First")[0] == 0
    assert run("-m", "lite", "Second")[0] == 0
    env.inject(Fault("stream_error", message="Task failed", after=3))
    assert run("-m", "lite", "Third")[0] == 1
    code, out, _ = run("logs", "-n", "2")
    assert code == 0
    assert "First" not in out
    second, third = out.split("\n# ")[0], out.split("\n# ")[1]
    assert "parallel:lite" in second
    assert "## Question\n\nSecond\n" in second
    assert "## Answer\n\nStand-in answer from the lite model to: Second\n" in second
    assert "  [1] Stand-in source 1 - https://example.com/standin/output/1" in second
    assert "Status: error: StreamError" in third
    assert "## Answer (partial)\n\nStand-in answer from \n" in third


def test_logs_json_and_filters(env: StandIn, logs_path: Path) -> None:
    assert run("-m", "lite", "One")[0] == 0
    assert run("-c", "Two")[0] == 0
    assert run("-m", "speed", "Other")[0] == 0
    code, out, _ = run("logs", "-n", "0", "--json")
    assert code == 0
    records = json.loads(out)
    assert [r["question"] for r in records] == ["One", "Two", "Other"]
    assert records[0]["basis"][0]["citations"]
    cid = records[0]["conversation_id"]
    code, out, _ = run("logs", "--cid", cid, "--json")
    assert [r["question"] for r in json.loads(out)] == ["One", "Two"]
    code, out, _ = run("logs", "-c", "--json")
    assert [r["question"] for r in json.loads(out)] == ["Other"]
    assert run("logs", "--path") == (0, f"{logs_path}\n", "")
    code, _, err = run("logs", "--cid", "nope")
    assert code == 2
    assert "No conversation nope" in err


# --- parallel-chat models -------------------------------------------------------


def test_models_lists_providers_models_and_aliases(env: StandIn) -> None:
    Path("parallel.toml").write_text(
        'default_model = "research"\n'
        '[models.research]\nmodel = "parallel:core"\ntimeout = 900\n'
        '[models.quick]\nmodel = "parallel:speed"\n'
    )
    code, out, _ = run("models")
    assert code == 0
    assert "  parallel " in out
    assert "    core       research, with sources; first text in 1-5 min" in out
    assert "  fake " in out  # the plugin installed in the test environment
    assert f"Config file: {Path('parallel.toml').absolute()}" in out
    assert "  research     -> parallel:core  timeout=900" in out
    assert "  quick        -> parallel:speed" in out
    assert "Default model: research -> parallel:core" in out
    code, out, _ = run("models", "--json")
    data = json.loads(out)
    assert data["aliases"]["research"] == {"model": "parallel:core", "timeout": 900}
    assert {p["name"] for p in data["providers"]} >= {"parallel", "fake"}
    assert data["default_model"] == "research"
    assert data["config_file"] == str(Path("parallel.toml").absolute())
    assert env.requests == []
