"""Overhead and scale of langchain-parallel, against the raw SDK and ChatOpenAI.

Run from the repository root (after the README's test set-up):

    .venv/bin/pip install -q langchain-openai   # the comparison, benchmark-only
    .venv/bin/python benchmarks/run.py          # --quick for fewer rounds

Every figure is measured in this run against a local Parallel stand-in served by a
separate process on loopback; the implementations are interleaved round by round
and each figure is the median of the rounds. Ratios are against the raw `openai`
SDK (the floor) and against `langchain_openai.ChatOpenAI` (the alternative).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
MESSAGES = [{"role": "user", "content": "What are the latest developments in AI?"}]
LC_MESSAGES = [("human", "What are the latest developments in AI?")]


@contextmanager
def standin(answer_chars: int = 0, chunk_chars: int = 0) -> Iterator[str]:
    """A stand-in in its own process; yields its base URL."""
    command = [
        sys.executable,
        str(ROOT / "tests" / "parallel_standin"),
        "--port",
        "0",
        "--key",
        KEY,
        "--answer-chars",
        str(answer_chars),
        "--chunk-chars",
        str(chunk_chars),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        yield line.split(" on ", 1)[1].split(" ", 1)[0]
    finally:
        proc.terminate()
        proc.wait()


def stats(url: str) -> dict[str, int]:
    """The stand-in's counters, less the connection this very request opens."""
    with urllib.request.urlopen(f"{url}/_standin/stats") as response:
        data: dict[str, int] = json.load(response)
    data["connections"] -= 1
    return data


def rss_kib() -> int:
    """Resident memory of this process (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def interleaved(
    funcs: dict[str, Callable[[], Any]], rounds: int, per_round: int
) -> dict[str, float]:
    """Median seconds per call of each function, rounds interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for func in funcs.values():  # warm up connections and caches
        func()
    for _ in range(rounds):
        for name, func in funcs.items():
            started = time.perf_counter()
            for _ in range(per_round):
                func()
            samples[name].append((time.perf_counter() - started) / per_round)
    return {name: statistics.median(values) for name, values in samples.items()}


def clients(url: str) -> dict[str, Any]:
    import openai
    from langchain_openai import ChatOpenAI

    from langchain_parallel import ChatParallelWeb

    return {
        "raw": openai.OpenAI(api_key=KEY, base_url=url, max_retries=2, timeout=60),
        "ours": ChatParallelWeb(api_key=KEY, base_url=url, model="speed"),
        "chatopenai": ChatOpenAI(
            api_key=KEY, base_url=url, model="speed", max_retries=2, timeout=60
        ),
    }


def raw_stream(raw: Any) -> None:
    """The floor: the raw SDK's stream, reading each chunk's text."""
    for chunk in raw.chat.completions.create(
        model="speed", messages=MESSAGES, stream=True
    ):
        if chunk.choices:
            _ = chunk.choices[0].delta.content


def call_overheads(
    url: str, rounds: int, per_round: int
) -> dict[str, dict[str, float]]:
    c = clients(url)
    raw, ours, lc = c["raw"], c["ours"], c["chatopenai"]

    def first_chunk(stream: Any, text: Callable[[Any], str]) -> None:
        for chunk in stream:
            if text(chunk):
                break
        close = getattr(stream, "close", None)
        if close:
            close()

    def raw_text(chunk: Any) -> str:
        return (chunk.choices[0].delta.content or "") if chunk.choices else ""

    return {
        "invoke": interleaved(
            {
                "raw": lambda: raw.chat.completions.create(
                    model="speed", messages=MESSAGES
                ),
                "ours": lambda: ours.invoke(LC_MESSAGES),
                "chatopenai": lambda: lc.invoke(LC_MESSAGES),
            },
            rounds,
            per_round,
        ),
        "stream": interleaved(
            {
                "raw": lambda: raw_stream(raw),
                "ours": lambda: list(ours.stream(LC_MESSAGES)),
                "chatopenai": lambda: list(lc.stream(LC_MESSAGES)),
            },
            rounds,
            per_round,
        ),
        "first chunk": interleaved(
            {
                "raw": lambda: first_chunk(
                    raw.chat.completions.create(
                        model="speed", messages=MESSAGES, stream=True
                    ),
                    raw_text,
                ),
                "ours": lambda: first_chunk(ours.stream(LC_MESSAGES), lambda c: c.text),
                "chatopenai": lambda: first_chunk(
                    lc.stream(LC_MESSAGES), lambda c: c.text
                ),
            },
            rounds,
            per_round,
        ),
    }


def long_stream(url: str, rounds: int) -> dict[str, float]:
    c = clients(url)
    raw, ours, lc = c["raw"], c["ours"], c["chatopenai"]

    return interleaved(
        {
            "raw": lambda: raw_stream(raw),
            "ours": lambda: list(ours.stream(LC_MESSAGES)),
            "chatopenai": lambda: list(lc.stream(LC_MESSAGES)),
        },
        rounds,
        1,
    )


def construction(rounds: int) -> dict[str, float]:
    from langchain_openai import ChatOpenAI

    from langchain_parallel import ChatParallelWeb, init_chat_model

    url = "http://127.0.0.1:9"
    init_chat_model("parallel:speed", api_key=KEY, base_url=url)  # discovery done
    return interleaved(
        {
            "ours": lambda: ChatParallelWeb(model="speed", api_key=KEY, base_url=url),
            "chatopenai": lambda: ChatOpenAI(model="speed", api_key=KEY, base_url=url),
            "init_chat_model warm": lambda: init_chat_model(
                "parallel:speed", api_key=KEY, base_url=url
            ),
        },
        rounds,
        200,
    )


def subprocess_seconds(code: str, runs: int) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import time; t=time.perf_counter()\n{code}\n"
                "print(time.perf_counter()-t)",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        ).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return statistics.median(times)


def imports(runs: int) -> dict[str, float]:
    return {
        "langchain_core.language_models + openai": subprocess_seconds(
            "import langchain_core.language_models, openai", runs
        ),
        "langchain_parallel": subprocess_seconds("import langchain_parallel", runs),
        "from langchain_parallel import ChatParallelWeb": subprocess_seconds(
            "from langchain_parallel import ChatParallelWeb", runs
        ),
        "from langchain_openai import ChatOpenAI": subprocess_seconds(
            "from langchain_openai import ChatOpenAI", runs
        ),
        "init_chat_model first call (discovery)": subprocess_seconds(
            "from langchain_parallel import init_chat_model\n"
            "t=time.perf_counter()\n"
            "init_chat_model('parallel:speed', api_key='k')",
            runs,
        ),
    }


def connections(url: str) -> dict[str, int]:
    from langchain_openai import ChatOpenAI

    from langchain_parallel import ChatParallelWeb

    def count(make: Callable[[], Any]) -> int:
        before = stats(url)["connections"] + 1  # + the stats request itself
        for _ in range(10):
            model = make()
            for _ in range(10):
                model.invoke(LC_MESSAGES)
        return stats(url)["connections"] - before

    return {
        "ours": count(lambda: ChatParallelWeb(api_key=KEY, base_url=url, timeout=61)),
        "chatopenai": count(
            lambda: ChatOpenAI(api_key=KEY, base_url=url, model="speed", timeout=61)
        ),
    }


def big_stream(url: str, rounds: int) -> tuple[float, int]:
    """Median seconds to stream the answer, and the peak traced memory of one run.

    Timed runs go without tracemalloc, which slows Python several times over.
    """
    from langchain_parallel import ChatParallelWeb

    llm = ChatParallelWeb(api_key=KEY, base_url=url)

    def consume() -> None:
        text = "".join(chunk.text for chunk in llm.stream(LC_MESSAGES))
        assert len(text) >= 500_000

    consume()
    times = []
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        consume()
        times.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    consume()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak


def load(url: str) -> dict[str, Any]:
    from langchain_parallel import ChatParallelWeb

    llm = ChatParallelWeb(api_key=KEY, base_url=url)

    async def batch() -> tuple[float, int]:
        inputs = [f"question {i}" for i in range(1000)]
        started = time.perf_counter()
        results = await llm.abatch(
            inputs, config={"max_concurrency": 100}, return_exceptions=True
        )
        errors = sum(isinstance(r, BaseException) for r in results)
        return time.perf_counter() - started, errors

    async def streams() -> tuple[float, int]:
        async def one(i: int) -> str:
            return "".join([c.text async for c in llm.astream(f"stream {i}")])

        started = time.perf_counter()
        results = await asyncio.gather(
            *(one(i) for i in range(100)), return_exceptions=True
        )
        errors = sum(isinstance(r, BaseException) or not r for r in results)
        return time.perf_counter() - started, errors

    async def scenario() -> dict[str, Any]:
        before = stats(url)["connections"] + 1  # + the stats request itself
        await batch()  # warm-up round: pool, caches
        gc.collect()
        settled = rss_kib()
        seconds, errors = await batch()
        gc.collect()
        grown = rss_kib() - settled
        stream_seconds, stream_errors = await streams()
        return {
            "abatch 1000 @100: seconds": seconds,
            "abatch 1000 @100: requests/s": 1000 / seconds,
            "abatch 1000 @100: errors": errors,
            "abatch: RSS growth over a second batch (KiB)": grown,
            "100 concurrent streams: seconds": stream_seconds,
            "100 concurrent streams: errors": stream_errors,
            "connections opened (2,100 requests at concurrency 100)": stats(url)[
                "connections"
            ]
            - before,
        }

    return asyncio.run(scenario())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds, per_round = (3, 10) if args.quick else (9, 30)

    rows: list[tuple[str, str, str]] = []

    def ratio_rows(name: str, medians: dict[str, float]) -> None:
        raw = medians["raw"]
        rows.append(
            (
                name,
                f"raw {raw * 1e3:.3f} ms, ours {medians['ours'] * 1e3:.3f} ms, "
                f"ChatOpenAI {medians['chatopenai'] * 1e3:.3f} ms",
                f"ours {medians['ours'] / raw:.2f}x, "
                f"ChatOpenAI {medians['chatopenai'] / raw:.2f}x",
            )
        )

    with standin() as url:
        for name, medians in call_overheads(url, rounds, per_round).items():
            ratio_rows(name, medians)
        conns = connections(url)
        rows.append(
            (
                "connections, 10 instances x 10 calls",
                f"ours {conns['ours']}, ChatOpenAI {conns['chatopenai']}",
                "",
            )
        )
        for key, value in load(url).items():
            rows.append(
                (key, f"{value:.2f}" if isinstance(value, float) else str(value), "")
            )
    with standin(answer_chars=10_000, chunk_chars=5) as url:
        ratio_rows("stream, 2,000 chunks", long_stream(url, max(3, rounds // 2)))

    sizes = {}
    for size in (500_000, 1_000_000):
        with standin(answer_chars=size, chunk_chars=100) as url:
            sizes[size] = big_stream(url, max(5, rounds // 2))
    (t1, m1), (t2, m2) = sizes[500_000], sizes[1_000_000]
    rows.append(
        (
            "streamed answer 0.5 MB -> 1 MB",
            f"{t1:.3f} s / {m1 / 2**20:.1f} MiB -> {t2:.3f} s / {m2 / 2**20:.1f} MiB",
            f"time {t2 / t1:.2f}x, peak memory {m2 / m1:.2f}x",
        )
    )

    built = construction(rounds)
    rows.append(
        (
            "model construction",
            f"ours {built['ours'] * 1e6:.1f} us, "
            f"ChatOpenAI {built['chatopenai'] * 1e6:.1f} us",
            f"ours/ChatOpenAI {built['ours'] / built['chatopenai']:.2f}x",
        )
    )
    rows.append(
        (
            "init_chat_model('parallel:speed') warm",
            f"{built['init_chat_model warm'] * 1e6:.1f} us",
            f"{built['init_chat_model warm'] / built['ours']:.2f}x construction",
        )
    )
    imported = imports(5 if not args.quick else 3)
    base = imported["langchain_core.language_models + openai"]
    for name, seconds in imported.items():
        rows.append(
            (f"import: {name}", f"{seconds * 1e3:.0f} ms", f"{seconds / base:.2f}x")
        )

    width = max(len(r[0]) for r in rows)
    print(f"| {'figure'.ljust(width)} | measured | ratio |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, value, ratio in rows:
        print(f"| {name.ljust(width)} | {value} | {ratio} |")


if __name__ == "__main__":
    main()
