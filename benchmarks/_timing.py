"""Rounds, rotation, per-round ratios and their spread.

Every implementation of a figure runs once per round, in an order that rotates from
round to round, so that drift of the machine (other processes, CPU frequency, a
warming cache) falls on all of them alike. A ratio is taken inside each round, and
a figure is the median of those per-round ratios, reported with their spread.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# An implementation is prepared untimed and returns the thunk that is timed:
# `setup(calls)` -> `run()`, where `run` is called `calls` times in a row.
Setup = Callable[[int], Callable[[], object]]


@dataclass
class Spread:
    """The median of per-round values, with their quartiles and extremes."""

    median: float
    low: float  # first quartile
    high: float  # third quartile
    minimum: float
    maximum: float
    rounds: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        ordered = sorted(values)
        if len(ordered) >= 4:
            q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        else:
            q1, q3 = ordered[0], ordered[-1]
        return cls(
            statistics.median(ordered), q1, q3, ordered[0], ordered[-1], len(ordered)
        )

    def ratio(self) -> str:
        return (
            f"{self.median:.2f}x (IQR {self.low:.2f}-{self.high:.2f}, "
            f"{self.rounds} rounds)"
        )


def rotated(names: Sequence[str], round_no: int) -> list[str]:
    """`names` rotated by `round_no`, so each one takes every position in turn."""
    shift = round_no % len(names)
    return [*names[shift:], *names[:shift]]


def rounds(
    impls: Mapping[str, Setup], count: int, calls: int = 1
) -> dict[str, list[float]]:
    """Seconds per call of each implementation, one value per round.

    Each implementation is warmed up once first. Before each block is set up a
    full garbage collection runs (untimed), so no block pays for its
    predecessor's garbage. A setup runs with the collector paused, so what it
    builds (the in-memory model's chunks) is still uncollected when timing
    starts: langchain-core keeps every chunk of a stream, and the collections
    that causes are part of its per-chunk cost, whether a chunk was built in
    advance or while streaming.
    """
    for setup in impls.values():
        setup(1)()
    samples: dict[str, list[float]] = {name: [] for name in impls}
    for round_no in range(count):
        for name in rotated(list(impls), round_no):
            gc.collect()
            gc.disable()
            try:
                run = impls[name](calls)
            finally:
                gc.enable()
            started = time.perf_counter()
            for _ in range(calls):
                run()
            samples[name].append((time.perf_counter() - started) / calls)
    return samples


def per_round(
    samples: Mapping[str, Sequence[float]],
    numerator: str,
    denominator: str | Sequence[float] | Callable[[int], float],
) -> Spread:
    """The spread of `numerator / denominator` over the rounds.

    The denominator is another implementation's name, a value per round, or a
    function of the round number.
    """
    if isinstance(denominator, str):
        denominator = samples[denominator]
    of_round = denominator if callable(denominator) else denominator.__getitem__
    return Spread.of(
        [value / of_round(i) for i, value in enumerate(samples[numerator])]
    )


def median_ms(samples: Sequence[float]) -> str:
    return f"{statistics.median(samples) * 1e3:.3f} ms"


def subprocess_rounds(
    commands: Mapping[str, Sequence[str]],
    count: int,
    env: Mapping[str, str] | None = None,
) -> dict[str, list[float]]:
    """Wall seconds of each command in a fresh process, rounds rotated.

    Bytecode caches are warm (one untimed run each first) and kept, as they are
    for an installed package: PYTHONDONTWRITEBYTECODE is dropped, or an editable
    install would compile its modules in every process.
    """
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)

    def once(argv: Sequence[str]) -> float:
        started = time.perf_counter()
        subprocess.run(argv, check=True, env=full_env, capture_output=True)
        return time.perf_counter() - started

    for argv in commands.values():
        once(argv)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_no in range(count):
        for name in rotated(list(commands), round_no):
            samples[name].append(once(commands[name]))
    return samples


def python(code: str) -> list[str]:
    """argv that runs `code` in a fresh interpreter (this one's)."""
    return [sys.executable, "-c", code]
