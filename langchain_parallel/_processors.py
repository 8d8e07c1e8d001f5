"""The Task API's processors, how long each takes, and how long we wait for one.

Latencies are the ranges Parallel's processor guide documents for one task run
(https://docs.parallel.ai/task-api/guides/choose-a-processor); `-fast` variants trade
some depth for lower latency. A run's *time budget* is how long `invoke` waits for
its result before raising `TaskRunTimeoutError` (the run itself goes on, and can be
collected later by its id). The defaults leave room above the slowest documented run.
"""

from __future__ import annotations

from typing import NamedTuple

_MINUTE = 60.0
_HOUR = 3600.0


class ProcessorInfo(NamedTuple):
    """What the package knows about one processor."""

    min_latency: float
    """Documented fastest run, in seconds."""
    max_latency: float
    """Documented slowest run, in seconds."""

    @property
    def default_budget(self) -> float:
        """How long to wait for a result by default: twice the slowest run, >= 2 min."""
        return max(2 * self.max_latency, 2 * _MINUTE)


PROCESSORS: dict[str, ProcessorInfo] = {
    "lite": ProcessorInfo(10, 60),
    "base": ProcessorInfo(15, 100),
    "core": ProcessorInfo(60, 5 * _MINUTE),
    "core2x": ProcessorInfo(60, 10 * _MINUTE),
    "pro": ProcessorInfo(2 * _MINUTE, 10 * _MINUTE),
    "ultra": ProcessorInfo(5 * _MINUTE, 25 * _MINUTE),
    "ultra2x": ProcessorInfo(5 * _MINUTE, 50 * _MINUTE),
    "ultra4x": ProcessorInfo(5 * _MINUTE, 90 * _MINUTE),
    "ultra8x": ProcessorInfo(5 * _MINUTE, 2 * _HOUR),
    "lite-fast": ProcessorInfo(10, 20),
    "base-fast": ProcessorInfo(15, 50),
    "core-fast": ProcessorInfo(15, 100),
    "core2x-fast": ProcessorInfo(15, 3 * _MINUTE),
    "pro-fast": ProcessorInfo(30, 5 * _MINUTE),
    "ultra-fast": ProcessorInfo(1 * _MINUTE, 10 * _MINUTE),
    "ultra2x-fast": ProcessorInfo(1 * _MINUTE, 20 * _MINUTE),
    "ultra4x-fast": ProcessorInfo(1 * _MINUTE, 40 * _MINUTE),
    "ultra8x-fast": ProcessorInfo(1 * _MINUTE, 1 * _HOUR),
}
DEFAULT_PROCESSOR = "pro"


def unknown_processor(name: str) -> str:
    """The message for a processor name the Task API does not document."""
    return (
        f"Unknown Parallel Task processor {name!r}; choose one of "
        f"{', '.join(PROCESSORS)}."
    )
