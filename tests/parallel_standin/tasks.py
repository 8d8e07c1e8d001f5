"""The Task API: task runs and task groups, from `parallel-openapi.json`.

Runs (`/v1/tasks/runs`): create (202, `queued`), retrieve, input, result (a
long-poll: holds the request up to its `timeout` and answers 408 "still active"),
events (SSE: plan/search/result messages, progress stats, then the final
`task_run.state`; only the final state unless events are on, as the document says
for non-premium processors). Groups (`/v1/tasks/groups`): create, retrieve, add runs
(at most 1,000 per request, with `default_task_spec`), events (status and run
states, resumable by `last_event_id`, closed after `timeout`), the run listing
(`include_input` / `include_output`, resumable) and one run.

Time is simulated: a run takes its processor's documented fastest latency times
`time_scale` (0.001 by default, so a two-minute `pro` run takes 120 ms; 1.0 is real
time), and `advance(seconds)` moves the clock on. A run whose input contains
`fail_marker` fails; `max_wait` caps the long-poll and group event streams, so
tests see 408s and reconnections quickly.
Requests are validated as the document describes (422 in FastAPI's shape).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import task_wire as wire
from .server import Exchange, parallel_error, route

LATENCY = {  # documented fastest run per processor, in seconds
    "lite": 10, "base": 15, "core": 60, "core2x": 60, "pro": 120, "ultra": 300,
    "ultra2x": 300, "ultra4x": 300, "ultra8x": 300, "lite-fast": 10, "base-fast": 15,
    "core-fast": 15, "core2x-fast": 15, "pro-fast": 30, "ultra-fast": 60,
    "ultra2x-fast": 60, "ultra4x-fast": 60, "ultra8x-fast": 60,
}  # fmt: skip
_STEP = 0.005  # seconds between looks at the clock while holding a request


def _stamp() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass
class Run:
    """One task run and what it was asked."""

    run_id: str
    request: dict[str, Any]
    started: float
    done_at: float
    fails: bool
    group_id: str | None = None
    created_at: str = field(default_factory=_stamp)

    def status(self, now: float) -> str:
        """Queued for the first tenth of its time, then running, then done."""
        if now >= self.done_at:
            return "failed" if self.fails else "completed"
        queued_until = self.started + (self.done_at - self.started) / 10
        return "queued" if now < queued_until else "running"

    def events_on(self) -> bool:
        """Whether progress events are recorded: asked for, or premium by default."""
        flag = self.request.get("enable_events")
        premium = not self.request["processor"].startswith(("lite", "base", "core"))
        return bool(flag) if flag is not None else premium


@dataclass
class Group:
    """A task group: its runs in the order they were added."""

    group_id: str
    metadata: dict[str, Any] | None
    run_ids: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=_stamp)


@dataclass
class TasksApi:
    """Task runs and groups, with the switches tests flip."""

    time_scale: float = 0.001
    """Simulated seconds per documented second of processing."""
    max_wait: float | None = None
    """Longest a result long-poll or a group's event stream is held, whatever its
    `timeout` (None: no cap)."""
    fail_marker: str = "[standin:fail]"
    """Runs whose input contains this fail."""
    runs: dict[str, Run] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    _offset: float = 0.0
    _generation: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        """The routes of the document's Task operations."""
        run, group = r"/v1/tasks/runs/([^/]+)", r"/v1/tasks/groups/([^/]+)"
        self.routes = [
            route("POST", r"/v1/tasks/runs", self._create_run),
            route("GET", run, self._get_run),
            route("GET", run + "/input", self._get_input),
            route("GET", run + "/result", self._result),
            route("GET", run + "/events", self._run_events),
            route("POST", r"/v1/tasks/groups", self._create_group),
            route("GET", group, self._get_group),
            route("POST", group + "/runs", self._add_runs),
            route("GET", group + "/runs", self._list_runs),
            route("GET", group + r"/runs/([^/]+)", self._get_group_run),
            route("GET", group + "/events", self._group_events),
        ]

    def reset(self) -> None:
        """Back to the defaults; forget runs and groups; release held requests."""
        self.time_scale, self.max_wait = 0.001, None
        self.fail_marker = "[standin:fail]"
        self.runs.clear()
        self.groups.clear()
        self._offset = 0.0
        self._generation += 1

    def now(self) -> float:
        """The simulated clock."""
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock on, as if `seconds` had passed."""
        self._offset += seconds

    # --- runs -------------------------------------------------------------------

    def _new_run(self, request: dict[str, Any], group_id: str | None = None) -> Run:
        now = self.now()
        duration = LATENCY[request["processor"]] * self.time_scale
        run = Run(
            run_id=f"trun_{uuid.uuid4().hex}",
            request=request,
            started=now,
            done_at=now + duration,
            fails=self.fail_marker in str(request["input"]),
            group_id=group_id,
        )
        with self._lock:
            self.runs[run.run_id] = run
        return run

    def task_run(self, run: Run) -> dict[str, Any]:
        """The document's `TaskRun` for `run` now."""
        status = run.status(self.now())
        body: dict[str, Any] = {
            "run_id": run.run_id,
            "interaction_id": run.run_id,
            "status": status,
            "is_active": status in ("queued", "running"),
            "processor": run.request["processor"],
            "metadata": run.request.get("metadata"),
            "taskgroup_id": run.group_id,
            "warnings": None,
            "error": None,
            "created_at": run.created_at,
            "modified_at": _stamp(),
        }
        if status == "failed":
            body["error"] = {
                "ref_id": f"ref_{run.run_id[5:17]}",
                "message": "The stand-in was asked to fail this run.",
                "detail": None,
            }
        return body

    def _find(self, exchange: Exchange, run_id: str) -> Run | None:
        run = self.runs.get(run_id)
        if run is None:
            exchange.json(404, parallel_error("Run id not found"))
        return run

    def _create_run(self, exchange: Exchange, _match: re.Match[str]) -> None:
        problem = wire.check_run_input(exchange.body, ["body"])
        if problem is not None:
            exchange.json(422, problem)
            return
        exchange.json(202, self.task_run(self._new_run(exchange.body)))

    def _get_run(self, exchange: Exchange, match: re.Match[str]) -> None:
        if run := self._find(exchange, match[1]):
            exchange.json(200, self.task_run(run))

    def _get_input(self, exchange: Exchange, match: re.Match[str]) -> None:
        if run := self._find(exchange, match[1]):
            exchange.json(200, run.request)

    def _hold(self, until: float, limit: float) -> None:
        """Keep the request open until `until` (simulated) or `limit` seconds pass."""
        generation, stop = self._generation, time.monotonic() + limit
        while self.now() < until and time.monotonic() < stop:
            if generation != self._generation:
                return
            time.sleep(_STEP)

    def _result(self, exchange: Exchange, match: re.Match[str]) -> None:
        run = self._find(exchange, match[1])
        if run is None:
            return
        try:
            timeout = int(exchange.query.get("timeout", ["600"])[0])
        except ValueError:
            exchange.json(
                422,
                wire.invalid(
                    ["query", "timeout"],
                    "Input should be a valid integer",
                    "int_parsing",
                ),
            )
            return
        limit = timeout if self.max_wait is None else min(timeout, self.max_wait)
        self._hold(run.done_at, limit)
        status = run.status(self.now())
        if status in ("queued", "running"):
            exchange.json(408, parallel_error("Request timed out; run still active"))
        elif status == "failed":
            exchange.json(404, parallel_error("Run failed or run id not found"))
        else:
            body = {"run": self.task_run(run), "output": wire.output(run)}
            exchange.json(200, body)

    def _run_events(self, exchange: Exchange, match: re.Match[str]) -> None:
        run = self._find(exchange, match[1])
        if run is None:
            return
        exchange.start_events()
        span = run.done_at - run.started
        steps = wire.progress(run) if run.events_on() else []
        for fraction, payload in steps:
            self._hold(run.started + fraction * span, span + 1)
            exchange.event(payload)
        self._hold(run.done_at, span + 1)
        exchange.event(
            {"type": "task_run.state", "event_id": None, "run": self.task_run(run)}
        )
        exchange.end_events()

    # --- groups -----------------------------------------------------------------

    def status(self, group: Group) -> dict[str, Any]:
        """The document's `TaskGroupStatus`."""
        now, counts = self.now(), {}
        for run_id in group.run_ids:
            status = self.runs[run_id].status(now)
            counts[status] = counts.get(status, 0) + 1
        active = counts.get("queued", 0) + counts.get("running", 0)
        return {
            "num_task_runs": len(group.run_ids),
            "task_run_status_counts": counts,
            "is_active": bool(active),
            "status_message": f"{active} of {len(group.run_ids)} runs active",
            "modified_at": _stamp(),
        }

    def _group_body(self, group: Group) -> dict[str, Any]:
        return {
            "taskgroup_id": group.group_id,
            "metadata": group.metadata,
            "status": self.status(group),
            "created_at": group.created_at,
        }

    def _group(self, exchange: Exchange, group_id: str) -> Group | None:
        group = self.groups.get(group_id)
        if group is None:
            exchange.json(404, parallel_error("TaskGroup not found"))
        return group

    def _create_group(self, exchange: Exchange, _match: re.Match[str]) -> None:
        body = exchange.body if exchange.body is not None else {}
        problem = wire.check_group(body)
        if problem is not None:
            exchange.json(422, problem)
            return
        group = Group(f"tgrp_{uuid.uuid4().hex}", body.get("metadata"))
        self.groups[group.group_id] = group
        exchange.json(200, self._group_body(group))

    def _get_group(self, exchange: Exchange, match: re.Match[str]) -> None:
        if group := self._group(exchange, match[1]):
            exchange.json(200, self._group_body(group))

    def _add_runs(self, exchange: Exchange, match: re.Match[str]) -> None:
        group = self._group(exchange, match[1])
        if group is None:
            return
        problem = wire.check_add_runs(exchange.body)
        if problem is not None:
            exchange.json(422, problem)
            return
        default = exchange.body.get("default_task_spec")
        cursor = str(len(group.run_ids)) if group.run_ids else None
        new = []
        for item in exchange.body["inputs"]:
            request = {"task_spec": default, **item} if default else dict(item)
            new.append(self._new_run(request, group.group_id).run_id)
        group.run_ids.extend(new)
        exchange.json(
            200,
            {
                "status": self.status(group),
                "run_ids": new,
                "run_cursor": cursor,
                "event_cursor": cursor,
            },
        )

    def _state_event(
        self, run: Run, event_id: str, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": "task_run.state",
            "event_id": event_id,
            "run": self.task_run(run),
        }
        if query.get("include_input") == ["true"]:
            event["input"] = run.request
        done = run.status(self.now()) == "completed"
        if query.get("include_output") == ["true"] and done:
            event["output"] = wire.output(run)
        return event

    def _list_runs(self, exchange: Exchange, match: re.Match[str]) -> None:
        group = self._group(exchange, match[1])
        if group is None:
            return
        start = int(exchange.query.get("last_event_id", ["-1"])[0]) + 1
        wanted = exchange.query.get("status", [None])[0]
        exchange.start_events()
        for index in range(start, len(group.run_ids)):
            run = self.runs[group.run_ids[index]]
            if wanted is None or run.status(self.now()) == wanted:
                exchange.event(self._state_event(run, str(index), exchange.query))
        exchange.end_events()

    def _get_group_run(self, exchange: Exchange, match: re.Match[str]) -> None:
        if self._group(exchange, match[1]) is None:
            return
        run = self._find(exchange, match[2])
        if run is not None:
            exchange.json(200, self.task_run(run))

    def _group_events(self, exchange: Exchange, match: re.Match[str]) -> None:
        """Status, then each run's end in the order runs end; ids count the ends."""
        group = self._group(exchange, match[1])
        if group is None:
            return
        last = exchange.query.get("last_event_id", ["0"])[0]
        sent = int(last.split(":")[-1]) if last else 0
        limit = float(exchange.query.get("timeout", ["3600"])[0])
        if self.max_wait is not None:
            limit = min(limit, self.max_wait)
        stop = time.monotonic() + limit
        runs = sorted((self.runs[i] for i in group.run_ids), key=lambda r: r.done_at)
        exchange.start_events()
        status = {"type": "task_group_status", "status": self.status(group)}
        exchange.event({**status, "event_id": f"status:{sent}"})
        while sent < len(runs) and time.monotonic() < stop:
            self._hold(runs[sent].done_at, stop - time.monotonic())
            if self.now() < runs[sent].done_at:
                break  # timed out, or the stand-in was reset
            sent += 1
            exchange.event(self._state_event(runs[sent - 1], f"run:{sent}", {}))
        status = {"type": "task_group_status", "status": self.status(group)}
        exchange.event({**status, "event_id": f"status:{sent}"})
        exchange.end_events()
