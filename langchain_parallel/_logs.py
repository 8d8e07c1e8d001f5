"""The conversation log: every `parallel-chat` exchange, in a SQLite database.

One row per exchange (question, system prompt, model, answer, basis, interaction
id, timings, status), grouped into conversations so that `parallel-chat -c` can
send the history back. Answers that failed or were interrupted are logged too,
with their status and the text that had arrived.

The database lives at `PARALLEL_LOGS_PATH`, else `$XDG_DATA_HOME/langchain-parallel/
logs.db`, else `~/.local/share/langchain-parallel/logs.db`. It runs in WAL mode
with a busy timeout, so that several commands running at once all get logged.
Its layout is versioned with `PRAGMA user_version`; `_MIGRATIONS` only grows, and
each step runs in its own write transaction, so two processes opening an old
database at once migrate it exactly once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from langchain_parallel.errors import ConfigError

APP_DIR = "langchain-parallel"
DB_NAME = "logs.db"
BUSY_TIMEOUT_S = 30.0  # a writer holds the lock for milliseconds; wait long anyway

# Step N takes the database from version N to N + 1. Never edit a released step:
# add one.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 0 -> 1: conversations and their exchanges
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created TEXT NOT NULL
        )""",
        """CREATE TABLE exchanges (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            model TEXT NOT NULL,
            requested_model TEXT,
            system TEXT,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            basis TEXT,
            interaction_id TEXT,
            previous_interaction_id TEXT,
            status TEXT NOT NULL,
            error TEXT,
            started TEXT NOT NULL,
            first_token_s REAL,
            duration_s REAL
        )""",
        "CREATE INDEX exchanges_by_conversation ON exchanges (conversation_id, id)",
    ),
    (  # 1 -> 2: the schema of a structured answer (`--schema`)
        "ALTER TABLE exchanges ADD COLUMN schema TEXT",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)

STATUSES = ("ok", "error", "interrupted")


def default_path() -> Path:
    """Where the log lives when `PARALLEL_LOGS_PATH` is not set."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR / DB_NAME


def new_conversation_id() -> str:
    """A fresh conversation id: short enough to type, unique enough to never clash."""
    return uuid.uuid4().hex[:16]


def now() -> str:
    """The current UTC time as stored (ISO 8601)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Exchange:
    """One question and its answer (or what arrived of it)."""

    conversation_id: str
    question: str
    model: str
    """The model that answered, as `provider:name` where known."""
    answer: str = ""
    status: str = "ok"
    """`ok`, `error` (see `error`) or `interrupted` (Ctrl-C, closed pipe)."""
    system: str | None = None
    requested_model: str | None = None
    """What the user asked for (`-m`); `None` when the default was used."""
    basis: list[Any] | None = None
    interaction_id: str | None = None
    previous_interaction_id: str | None = None
    error: str | None = None
    started: str = field(default_factory=now)
    first_token_s: float | None = None
    duration_s: float | None = None
    schema: dict[str, Any] | None = None
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


_COLUMNS = (
    "conversation_id",
    "model",
    "requested_model",
    "system",
    "question",
    "answer",
    "basis",
    "interaction_id",
    "previous_interaction_id",
    "status",
    "error",
    "started",
    "first_token_s",
    "duration_s",
    "schema",
)


class LogStore:
    """The log database; open it with `LogStore(path)` and `close()` it when done."""

    def __init__(self, path: Path) -> None:
        """Open (creating or migrating) the database at `path`."""
        self.path = path
        # Questions can be private: a new log directory is for its owner only.
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # isolation_level=None: we issue BEGIN ourselves, so that writes take the
        # lock up front (BEGIN IMMEDIATE) and wait on the busy timeout, instead of
        # failing halfway through when another process writes too.
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL survives a crash of the program; only a power cut
            # can lose the latest exchange, and each commit skips an fsync.
            self._db.execute("PRAGMA synchronous = NORMAL")
            # Nor checkpoint when the last connection closes, which costs two fsyncs
            # (~20 ms on a slow disk) at the end of every command; the WAL is then
            # checkpointed as it grows. The switch exists from Python 3.12.
            option = getattr(sqlite3, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE", None)
            setconfig = getattr(self._db, "setconfig", None)
            if option is not None and setconfig is not None:
                setconfig(option, True)
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ------------------------------------------------------------

    def version(self) -> int:
        """The schema version of the database."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        while (current := self.version()) < SCHEMA_VERSION:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated while we waited for the lock.
                current = self.version()
                if current < SCHEMA_VERSION:
                    for statement in _MIGRATIONS[current]:
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {current + 1}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if current > SCHEMA_VERSION:
            raise ConfigError(
                f"The conversation log {self.path} has schema version {current}, "
                f"newer than this langchain-parallel understands ({SCHEMA_VERSION}). "
                "Upgrade langchain-parallel, or set PARALLEL_LOGS_PATH to another file."
            )

    # --- writing -----------------------------------------------------------

    def log(self, exchange: Exchange) -> int:
        """Store `exchange` (and its conversation, if new); returns its row id."""
        if exchange.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {exchange.status}")
        row = exchange.to_json()
        for name in ("basis", "schema"):
            if row[name] is not None:
                row[name] = json.dumps(row[name], ensure_ascii=False)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "INSERT OR IGNORE INTO conversations (id, name, created) "
                "VALUES (?, ?, ?)",
                (exchange.conversation_id, _name(exchange.question), exchange.started),
            )
            cursor = self._db.execute(
                f"INSERT INTO exchanges ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_COLUMNS))})",
                [row[name] for name in _COLUMNS],
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        exchange.id = cursor.lastrowid
        return int(cursor.lastrowid or 0)

    # --- reading -----------------------------------------------------------

    def latest_conversation(self) -> str | None:
        """The id of the conversation with the most recent exchange."""
        row = self._db.execute(
            "SELECT conversation_id FROM exchanges ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])

    def conversation(self, conversation_id: str) -> list[Exchange]:
        """Every exchange of one conversation, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM exchanges WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        ).fetchall()
        return [_exchange(row) for row in rows]

    def recent(self, count: int, conversation_id: str | None = None) -> list[Exchange]:
        """The latest `count` exchanges (of one conversation if given), oldest first."""
        where, args = (
            ("WHERE conversation_id = ?", [conversation_id])
            if conversation_id
            else ("", [])
        )
        rows = self._db.execute(
            f"SELECT * FROM exchanges {where} ORDER BY id DESC LIMIT ?",
            [*args, count],
        ).fetchall()
        return [_exchange(row) for row in reversed(rows)]


def _name(question: str) -> str:
    first = question.strip().splitlines()[0] if question.strip() else ""
    return first[:80]


def _exchange(row: sqlite3.Row) -> Exchange:
    values = dict(row)
    for name in ("basis", "schema"):
        if values.get(name) is not None:
            values[name] = json.loads(values[name])
    known = Exchange.__dataclass_fields__
    return Exchange(**{k: v for k, v in values.items() if k in known})
