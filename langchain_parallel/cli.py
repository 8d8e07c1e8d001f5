"""`parallel-chat`: ask Parallel a question from the terminal.

```
parallel-chat "What changed in the EU AI Act this year?"
parallel-chat -m parallel:lite "Who leads solid-state battery research?"
echo "question" | parallel-chat -m research      # an alias from parallel.toml
parallel-chat --json "..."                       # content and metadata as JSON
```

The answer streams to stdout. For research models a spinner with the elapsed time
runs on stderr while Parallel researches (only when stderr is a terminal), and the
sources from the basis follow the answer. Exit codes: 0 answered, 1 API error,
2 usage or configuration error (a missing key included), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from langchain_parallel.errors import APIError, ParallelError

DEFAULT_MODEL = "parallel:speed"
EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parallel-chat",
        description="Ask Parallel's web-research models a question.",
    )
    parser.add_argument("question", nargs="?", help="the question (default: stdin)")
    parser.add_argument(
        "-m",
        "--model",
        help="provider string (parallel:lite) or config alias; default: the config "
        f"file's default_model, else {DEFAULT_MODEL}",
    )
    parser.add_argument("--system", help="a system prompt")
    parser.add_argument(
        "--json", action="store_true", help="print content and metadata as JSON"
    )
    return parser


def _question(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.question and args.question != "-":
        return str(args.question)
    if args.question != "-" and stdin.isatty():
        return ""
    return stdin.read().strip()


def _model_string(requested: str | None) -> str:
    if requested:
        return requested
    from langchain_parallel._settings import load_settings

    return load_settings().default_model or DEFAULT_MODEL


def _ticker(
    stream: TextIO, label: str
) -> tuple[Callable[[str], Any], Callable[[], Any]]:
    """`show(text)` and `clear()` for a one-line status: rich's if installed."""
    try:
        from rich.console import Console
    except ImportError:
        width = len(label) + 16

        def show(text: str) -> None:
            stream.write(f"\r{text}".ljust(width))
            stream.flush()

        def clear() -> None:
            stream.write("\r" + " " * width + "\r")
            stream.flush()

        return show, clear
    status = Console(file=stream).status(label)
    status.start()
    return status.update, status.stop


@contextmanager
def _progress(stream: TextIO, label: str) -> Iterator[threading.Event]:
    """Elapsed time on `stream` (a terminal only) until the yielded event is set."""
    done = threading.Event()
    if not stream.isatty():
        yield done
        return
    show, clear = _ticker(stream, label)
    started = time.monotonic()

    def tick() -> None:
        while not done.wait(0.2):
            show(f"{label}... {time.monotonic() - started:.0f}s")

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield done
    finally:
        done.set()
        thread.join()
        clear()


def _sources(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    from langchain_parallel.citations import citations  # reads any basis safely

    seen: dict[str, str] = {}
    for citation in citations(metadata.get("basis")):
        url = citation.get("url")
        if url and url not in seen:
            seen[url] = citation.get("title") or url
    return [(title, url) for url, title in seen.items()]


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    question = _question(args, stdin)
    if not question:
        err.write("parallel-chat: give a question as an argument or on stdin.\n")
        return EXIT_USAGE
    from langchain_parallel._init import chat_model_for
    from langchain_parallel._models import MODELS

    try:
        llm = chat_model_for(_model_string(args.model))
    except (ValueError, ImportError) as exc:  # LangChain's fall-through raises these
        err.write(f"parallel-chat: cannot build model {args.model!r}: {exc}\n")
        return EXIT_USAGE
    messages: list[tuple[str, str]] = [("human", question)]
    if args.system:
        messages.insert(0, ("system", args.system))
    model_name = str(getattr(llm, "model", ""))
    research = model_name in MODELS and MODELS[model_name].research

    if args.json:
        with _progress(err, f"Researching with {model_name}"):
            message = llm.invoke(messages)
        payload = {
            "content": message.content,
            "response_metadata": message.response_metadata,
        }
        out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK

    full: Any = None
    label = f"Researching with {model_name}" if research else f"Asking {model_name}"
    with _progress(err, label) as first_text:
        for chunk in llm.stream(messages):
            if chunk.text:
                first_text.set()  # stop the spinner before the answer prints
                out.write(chunk.text)
                out.flush()
            full = chunk if full is None else full + chunk
    out.write("\n")
    sources = _sources(full.response_metadata if full is not None else {})
    if sources:
        out.write("\nSources:\n")
        for number, (title, url) in enumerate(sources, start=1):
            label = url if title == url else f"{title} - {url}"
            out.write(f"  [{number}] {label}\n")
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command; returns the exit code."""
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    args = _parser().parse_args(argv)
    try:
        return _run(args, out, err, stdin)
    except KeyboardInterrupt:
        err.write("\nInterrupted.\n")
        return EXIT_INTERRUPTED
    except APIError as exc:
        err.write(f"parallel-chat: {exc}\n")
        return EXIT_API
    except ParallelError as exc:  # configuration, input, provider: the user's to fix
        err.write(f"parallel-chat: {exc}\n")
        return EXIT_USAGE


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
