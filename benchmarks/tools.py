"""Per-call overhead of the search tool and retriever against the bare SDK call.

Run from the repository root (after the README's test set-up):

    .venv/bin/python benchmarks/tools.py          # --quick for fewer rounds

A stand-in of the Parallel API runs in a separate process on loopback; each
implementation is timed round by round, interleaved, and each figure is the
median over rounds of the seconds per call, as wall time and as this process's
CPU time (the work the client itself does; the wall time also holds the server's).
The floor is `parallel.Parallel().search(...)`, the SDK call the tool wraps.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from run import KEY, standin

QUERIES = ["renewable energy 2026", "solar power developments"]


def timed(
    funcs: dict[str, Callable[[], Any]], rounds: int, per_round: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, cpu) seconds per call of each function, rounds interleaved."""
    wall: dict[str, list[float]] = {name: [] for name in funcs}
    cpu: dict[str, list[float]] = {name: [] for name in funcs}
    for func in funcs.values():  # warm up connections and caches
        func()
    for _ in range(rounds):
        for name, func in funcs.items():
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(per_round):
                func()
            wall[name].append((time.perf_counter() - w0) / per_round)
            cpu[name].append((time.process_time() - c0) / per_round)
    return {
        name: (statistics.median(wall[name]), statistics.median(cpu[name]))
        for name in funcs
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds, per_round = (3, 10) if args.quick else (15, 40)

    import parallel

    from langchain_parallel import ParallelSearchRetriever, ParallelSearchTool

    with standin() as url:
        sdk = parallel.Parallel(api_key=KEY, base_url=url, max_retries=2, timeout=120)
        tool = ParallelSearchTool(api_key=KEY, base_url=url)
        retriever = ParallelSearchRetriever(api_key=KEY, base_url=url, max_results=10)
        call = {
            "name": tool.name,
            "args": {"search_queries": QUERIES},
            "id": "call_1",
            "type": "tool_call",
        }
        medians = timed(
            {
                "sdk client.search": lambda: sdk.search(search_queries=QUERIES),
                "tool.invoke(dict)": lambda: tool.invoke({"search_queries": QUERIES}),
                "tool.invoke(ToolCall)": lambda: tool.invoke(call),
                "retriever.invoke": lambda: retriever.invoke(QUERIES[0]),
            },
            rounds,
            per_round,
        )
    floor_wall, floor_cpu = medians["sdk client.search"]
    print("| call | wall ms | x SDK | client CPU ms | x SDK |")
    print("|---|---|---|---|---|")
    for name, (wall, cpu) in medians.items():
        print(
            f"| {name} | {wall * 1e3:.3f} | {wall / floor_wall:.2f} "
            f"| {cpu * 1e3:.3f} | {cpu / floor_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()
