"""What a batch of Task API runs costs: one task group against one run per input.

Run from the repository root (after the README's test set-up):

    .venv/bin/python benchmarks/tasks.py            # --inputs N, default 1000

Both ways answer the same inputs on the `lite` processor against the local
stand-in (simulated runs of 10 ms); the figures are the HTTP requests the stand-in
counted and the wall time. "group" is `ChatParallelTask.batch` (one task group);
"per input" is LangChain's default `Runnable.batch` on the same model: one run
created and long-polled per input, in a thread pool.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from langchain_core.language_models import BaseChatModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from parallel_standin import StandIn  # noqa: E402

from langchain_parallel import ChatParallelTask  # noqa: E402


def measure(inputs: int) -> dict[str, tuple[int, float]]:
    standin = StandIn(api_keys={"bench-key"}).start()
    llm = ChatParallelTask(model="lite", api_key="bench-key", base_url=standin.url)
    questions = [f"Company {i}: who is the CEO?" for i in range(inputs)]
    ways = {
        "group": lambda: llm.batch(questions),
        "per input": lambda: BaseChatModel.batch(llm, questions),
    }
    found = {}
    llm.batch(questions[:2])  # warm up: imports, client, connection
    try:
        for name, run in ways.items():
            standin.reset()
            start = time.perf_counter()
            answers = run()
            seconds = time.perf_counter() - start
            assert len(answers) == inputs
            found[name] = (len(standin.requests), seconds)
    finally:
        standin.stop()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1000)
    args = parser.parse_args()
    print(f"{args.inputs} inputs on `lite`     HTTP requests   wall time")
    for name, (requests, seconds) in measure(args.inputs).items():
        print(f"  {name:<24}{requests:>13}   {seconds:7.2f} s")


if __name__ == "__main__":
    main()
