"""Overhead and scale of langchain-parallel, each figure against its floor and target.

Run from the repository root (after the README's test set-up):

    .venv/bin/pip install -q langchain-openai parallel-web  # benchmark-only
    .venv/bin/python benchmarks/run.py            # ~12 min; --quick for a smoke run

Everything runs against the Parallel stand-in (tests/parallel_standin), served by
its own process on loopback. Each figure's implementations run once per round in
an order that rotates between rounds; ratios are taken inside a round, and a
figure is the median of >= 15 per-round ratios with their interquartile range
(45 for the per-call figures, 30 for long and concurrent streams: `ROUNDS`).

The floor of a call is what any LangChain chat model over this API must pay: the
`openai` client's `post(path, body=..., cast_to=httpx2.Response)` read with
`json.loads` (streams: `iter_lines` and `json.loads` per event), plus
langchain-core's own per-call and per-chunk cost, measured with an in-memory
`BaseChatModel` yielding pre-built chunks. The typed SDK
(`client.chat.completions.create`) and `langchain_openai.ChatOpenAI` are the
alternatives a user would write; they are shown against the same floor, beside
the floor's halves timed in one model's call and ours with one chunk per HTTP
chunk (the reads of a sync stream not merged).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import os
import platform
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata

from _server import Server
from _timing import Spread, per_round

TEXT_30 = "word " * 30  # the invoke answer: as long as the 30-chunk stream


@dataclass
class Row:
    figure: str
    measured: str
    ratio: str
    target: str
    met: bool | None  # None: no target, shown for comparison

    @property
    def result(self) -> str:
        return {True: "met", False: "NOT met", None: "-"}[self.met]


class Report:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def add(
        self,
        figure: str,
        measured: str,
        ratio: str = "",
        target: str = "",
        met: bool | None = None,
    ) -> None:
        self.rows.append(Row(figure, measured, ratio, target, met))
        row = self.rows[-1]
        print(f"  {figure}: {measured} | {ratio} | {target} {row.result}", flush=True)

    def unavailable(self, figure: str, target: str, why: str) -> None:
        self.rows.append(Row(figure, f"not available: {why}", "", target, None))
        print(f"  {figure}: not available ({why})", flush=True)

    def markdown(self) -> str:
        lines = [
            "| figure | measured (median) | ratio, median per round (IQR) "
            "| target | result |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.figure} | {r.measured} | {r.ratio} | {r.target} | {r.result} |"
            for r in self.rows
        ]
        return "\n".join(lines)


def ms(values: Sequence[float]) -> str:
    value = statistics.median(values) * 1e3
    return f"{value:.1f} ms" if value >= 100 else f"{value:.2f} ms"


def floor_of(
    samples: dict[str, list[float]], suffix: str = ""
) -> Callable[[int], float]:
    transport, core = samples[f"transport{suffix}"], samples[f"langchain-core{suffix}"]
    return lambda i: transport[i] + core[i]


def ratio_rows(
    report: Report,
    figure: str,
    samples: dict[str, list[float]],
    bound: float,
) -> None:
    floor = floor_of(samples)
    floors = [floor(i) for i in range(len(samples["ours"]))]
    ours = per_round(samples, "ours", floor)
    report.add(
        f"{figure}: ours / floor",
        f"ours {ms(samples['ours'])}, floor {ms(floors)} (transport "
        f"{ms(samples['transport'])} + langchain-core {ms(samples['langchain-core'])})",
        ours.ratio(),
        f"<= {bound:.2f}x",
        ours.median <= bound,
    )
    if "langchain-core, chunks built" in samples:
        built = samples["langchain-core, chunks built"]
        transport = samples["transport"]
        spread = per_round(samples, "ours", lambda i: transport[i] + built[i])
        report.add(
            f"{figure}: ours / floor with chunks built while streaming",
            f"langchain-core building its chunks {ms(built)}",
            spread.ratio(),
        )
    for other in ("typed SDK", "ChatOpenAI"):
        if other in samples:
            spread = per_round(samples, other, floor)
            report.add(f"{figure}: {other} / floor", ms(samples[other]), spread.ratio())
    from _calls import FLOOR_IN_ONE_CALL, UNMERGED

    if FLOOR_IN_ONE_CALL in samples:
        spread = per_round(samples, "ours", FLOOR_IN_ONE_CALL)
        report.add(
            f"{figure}: ours / the floor's halves in one model's call",
            f"that model {ms(samples[FLOOR_IN_ONE_CALL])}",
            spread.ratio(),
        )
        # How far the least a model can do in one call lies above the halves
        # timed apart: the part of a target no implementation can reach.
        alone = per_round(samples, FLOOR_IN_ONE_CALL, floor)
        report.add(
            f"{figure}: the floor's halves in one model's call / floor",
            ms(samples[FLOOR_IN_ONE_CALL]),
            alone.ratio(),
        )
    if UNMERGED in samples:
        spread = per_round(samples, UNMERGED, floor)
        report.add(
            f"{figure}: {UNMERGED} / floor",
            ms(samples[UNMERGED]),
            spread.ratio(),
        )


def calls(report: Report, server: Server, quick: bool, count: int) -> None:
    from _calls import USER_CLIENT, Implementations
    from _timing import rounds

    impl = Implementations(server.url)
    server.answer(30)
    samples = rounds(impl.invoke(TEXT_30), count, 5 if quick else 20)
    ratio_rows(report, "invoke", samples, 1.05)
    samples = rounds(impl.ainvoke(), count, 5 if quick else 20)
    report.add(
        "ainvoke through the user's `http_async_client` (an `openai` client "
        "built per call) / ours on its shared client",
        f"{ms(samples[USER_CLIENT])}, shared {ms(samples['ours'])}",
        per_round(samples, USER_CLIENT, "ours").ratio(),
    )
    for chunks, per in ((30, 5 if quick else 20), (2000, 1)):
        server.answer(chunks)
        samples = rounds(impl.stream(chunks), count, per)
        ratio_rows(report, f"stream, {chunks:,} chunks", samples, 1.15)


def long_streams(report: Report, server: Server, quick: bool, count: int) -> None:
    from _calls import Implementations, lc_stream
    from _scale import long_stream_times, peak_bytes
    from _timing import Setup, rounds

    impl = Implementations(server.url)
    sizes = [5_000, 10_000, 20_000, 40_000]
    samples = long_stream_times(server, impl, sizes, count)
    twenty = {
        name: samples[f"{name} 20000"]
        for name in (
            "transport",
            "langchain-core",
            "langchain-core, chunks built",
            "ours",
        )
    }
    ratio_rows(report, "stream, 20,000 chunks", twenty, 1.15)
    for small, large in itertools.pairwise(sizes):
        ours = Spread.of(
            [
                b / a
                for a, b in zip(
                    samples[f"ours {small}"], samples[f"ours {large}"], strict=True
                )
            ]
        )
        floor_small, floor_large = (
            floor_of(samples, f" {small}"),
            floor_of(samples, f" {large}"),
        )
        floor = Spread.of(
            [floor_large(i) / floor_small(i) for i in range(len(samples["ours 5000"]))]
        )
        report.add(
            f"long stream {small:,} -> {large:,} chunks: time",
            f"ours {ms(samples[f'ours {small}'])} -> {ms(samples[f'ours {large}'])}",
            f"ours {ours.ratio()}; floor {floor.median:.2f}x",
            "<= 2.10x",
            ours.median <= 2.1,
        )

    server.answer(20000)
    asynchronous = rounds(impl.astream(20000), count)
    ratio_rows(report, "astream, 20,000 chunks", asynchronous, 1.15)

    # Not a library remedy (it is process-wide), but an application's: objects
    # alive after start-up are left out of every later collection.
    def frozen(_: int) -> Callable[[], object]:
        def run() -> None:
            gc.freeze()
            try:
                lc_stream(impl.ours)
            finally:
                gc.unfreeze()

        return run

    server.answer(20000)
    ours_20k: Setup = lambda _: lambda: lc_stream(impl.ours)  # noqa: E731
    frozen_samples = rounds({"ours": ours_20k, "frozen": frozen}, count)
    report.add(
        "ours, 20,000 chunks, in an application that called gc.freeze()",
        f"{ms(frozen_samples['frozen'])}, ours {ms(frozen_samples['ours'])}",
        f"/ ours {per_round(frozen_samples, 'frozen', 'ours').ratio()}",
    )
    for size in sizes:
        peaks = peak_bytes(server, impl, size)
        floor_peak = peaks["transport"] + peaks["langchain-core"]
        report.add(
            f"peak memory per chunk, {size:,} chunks (tracemalloc)",
            f"ours {peaks['ours'] / size:.0f} B, floor {floor_peak / size:.0f} B "
            f"(transport {peaks['transport'] / size:.0f} + langchain-core "
            f"{peaks['langchain-core'] / size:.0f})",
            f"{peaks['ours'] / floor_peak:.2f}x",
            "<= 1.50x",
            peaks["ours"] <= 1.5 * floor_peak,
        )


def concurrency(report: Report, server: Server, quick: bool, count: int) -> None:
    from _scale import concurrency as measure

    streams = 500
    result = measure(server, server.url, count, streams=streams)
    waves = result["waves"]
    rates = {
        name: [streams / w.seconds for w in values] for name, values in waves.items()
    }
    ours_rate = statistics.median(rates["ours"])
    bare = per_round(rates, "ours", "bare transport")
    errors = sum(w.errors for values in waves.values() for w in values)
    report.add(
        f"{streams} concurrent async streams (answer after 200 ms): streams/s",
        f"ours {ours_rate:.0f}/s, bare httpx2 "
        f"{statistics.median(rates['bare transport']):.0f}/s, openai post "
        f"{statistics.median(rates['transport']):.0f}/s",
        f"ours / bare {bare.ratio()}",
        ">= 400/s or >= 0.90x bare",
        ours_rate >= 400 or bare.median >= 0.9,
    )
    report.add(
        f"{streams} concurrent streams: errors, all rounds and implementations",
        str(errors),
        "",
        "0",
        errors == 0,
    )
    reuse = result["new connections"]
    report.add(
        "new connections after warm-up, 3 waves at concurrency 100 (the pool)",
        f"ours {reuse['ours']}, bare httpx2 {reuse['bare transport']}",
        "",
        "0",
        reuse["ours"] == 0,
    )


def startup(report: Report, server: Server, quick: bool, count: int) -> None:
    import _startup

    url = server.url
    samples = _startup.first_call(url, max(count, 15) * (1 if quick else 2))
    typed = per_round(samples, "ours", "typed SDK")
    chatopenai = per_round(samples, "ours", "ChatOpenAI")
    report.add(
        "construction + first call (client built on the way)",
        f"ours {ms(samples['ours'])}, typed SDK {ms(samples['typed SDK'])}, "
        f"ChatOpenAI {ms(samples['ChatOpenAI'])}",
        f"ours / typed SDK {typed.ratio()}; ours / ChatOpenAI {chatopenai.median:.2f}x",
    )
    samples = _startup.imports(count)
    base = samples["baseline"]
    for name, code in _startup.IMPORTS.items():
        if name != "baseline":
            spread = per_round(samples, name, base)
            report.add(
                f"import `{code}`",
                f"{ms(samples[name])}, baseline {ms(base)}",
                f"{spread.ratio()} of baseline",
            )
    if _startup.cli_command() is None:
        report.unavailable("parallel-chat", "", "the CLI is not installed")
        return
    samples = _startup.cli(count)
    for flag in ("--help", "--version"):
        figure = f"`parallel-chat {flag}`, fresh process"
        if f"parallel-chat {flag}" not in samples:
            report.unavailable(figure, "<= 1.30x", f"{flag} is not implemented")
            continue
        base = samples[f"baseline {flag}"]
        spread = per_round(samples, f"parallel-chat {flag}", base)
        report.add(
            figure,
            f"{ms(samples[f'parallel-chat {flag}'])}, python + argparse {ms(base)}",
            spread.ratio(),
            "<= 1.30x",
            spread.median <= 1.3,
        )
    server.answer(30)
    samples = _startup.question(url, count)
    spread = per_round(samples, "parallel-chat", "baseline")
    report.add(
        "`parallel-chat QUESTION`, fresh process (30 chunks)",
        f"{ms(samples['parallel-chat'])}, import floor + one streamed post "
        f"{ms(samples['baseline'])}",
        spread.ratio(),
        "<= 1.10x (ours: the issue names no bound)",
        spread.median <= 1.1,
    )
    paused = per_round(samples, "parallel-chat", "baseline, collector paused")
    report.add(
        "`parallel-chat QUESTION` / the same floor with its collector policy",
        f"floor with the collector paused for start-up "
        f"{ms(samples['baseline, collector paused'])}",
        paused.ratio(),
    )


def slots(report: Report, server: Server, quick: bool, count: int) -> None:
    import _slots

    url = server.url
    for name, (method, _) in _slots.TOOLS.items():
        figure = f"{method} tool: ours / `parallel` SDK `client.{method}`"
        # The issue bounds the search tool; the extract tool is held to the same.
        target = "<= 1.10x" if method == "search" else "<= 1.10x (ours, as search)"
        try:
            samples = _slots.tool_call(url, name, count, 5 if quick else 20)
        except _slots.NotAvailable as why:
            report.unavailable(figure, target, str(why))
            continue
        spread = per_round(samples, "ours", "parallel SDK")
        report.add(
            figure,
            f"ours {ms(samples['ours'])}, SDK {ms(samples['parallel SDK'])}",
            spread.ratio(),
            target,
            spread.median <= 1.1,
        )
    figure = "task-group batch of 1,000 inputs: requests sent"
    try:
        counted = _slots.task_group(server, url)
    except _slots.NotAvailable as why:
        report.unavailable(figure, "no request per input", str(why))
    else:
        paths = ", ".join(f"{p} x{n}" for p, n in sorted(counted["paths"].items()))
        report.add(
            figure,
            f"{counted['requests']} ({paths})",
            "",
            f"<= {counted['bound']} (group, adds, events, results)",
            counted["requests"] <= counted["bound"],
        )


# Rounds per figure, as multiples of --rounds, where a ratio sits near its target
# and the median of 15 moved by several hundredths from run to run: the per-call
# figures (cheap), a long stream's doubling (two noisy times divided) and the
# concurrent waves (the stand-in shares the machine). A median of more rounds
# moves less from run to run; it is no more favourable to any implementation.
ROUNDS = {"calls": 3, "long": 2, "concurrency": 2}

SECTIONS = {
    "calls": calls,
    "long": long_streams,
    "concurrency": concurrency,
    "startup": startup,
    "slots": slots,
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in info
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("openai", "httpx2", "langchain-core", "langchain-openai")
    )
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{today}; {os.cpu_count()} cores, {cpu}; Python "
        f"{platform.python_version()}; {versions}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 3 rounds (times ROUNDS)"
    )
    parser.add_argument(
        "--rounds", type=int, help="rounds per figure (default 15; see ROUNDS)"
    )
    parser.add_argument(
        "--only", nargs="+", choices=sorted(SECTIONS), help="run only these sections"
    )
    args = parser.parse_args()
    count = args.rounds or (3 if args.quick else 15)
    report = Report()
    print(machine(), flush=True)
    with Server() as server:
        for name, section in SECTIONS.items():
            if args.only and name not in args.only:
                continue
            print(f"[{name}]", flush=True)
            section(report, server, args.quick, count * ROUNDS.get(name, 1))
    print()
    print(
        f"Measured {machine()}; {count} rounds per figure "
        f"({', '.join(f'{n}: x{k}' for n, k in ROUNDS.items())})."
    )
    print()
    print(report.markdown())
    sys.exit(0)


if __name__ == "__main__":
    main()
