"""`parallel-chat "<question>"`: one exchange, from question to logged answer.

The steps: compose the question (argument, piped text, or both), load the
conversation to continue, build the model with `init_chat_model`, run it with the
progress line on stderr, print the answer on stdout, log the exchange whatever
happened (a failed or interrupted answer keeps its status and partial text).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from typing import TYPE_CHECKING, Any, TextIO

from langchain_parallel._cli_progress import Progress
from langchain_parallel._logs import (
    Exchange,
    LogStore,
    default_path,
    new_conversation_id,
)
from langchain_parallel._models import MODELS
from langchain_parallel._settings import load_settings
from langchain_parallel.errors import APIConnectionError, APITimeoutError, ConfigError

if TYPE_CHECKING:
    from langchain_parallel._cli_schema import Schema
    from langchain_parallel._settings_model import ParallelSettings

PROG = "parallel-chat"
EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2


def compose_question(words: list[str], stdin: TextIO) -> str:
    """The question from the arguments and piped stdin: question, blank line, text.

    A terminal on stdin is never read (nothing was piped); `-` alone reads stdin.
    """
    question = " ".join(words).strip()
    if question == "-":
        question = ""
    elif stdin.isatty():
        return question
    piped = stdin.read().strip()
    return "\n\n".join(part for part in (question, piped) if part)


def open_store(settings: ParallelSettings) -> LogStore:
    """The log store; `ConfigError` (exit 2) if it cannot be opened."""
    path = settings.logs_path or default_path()
    try:
        return LogStore(path.expanduser())
    except (sqlite3.Error, OSError) as exc:
        raise ConfigError(
            f"Cannot open the conversation log {path}: {exc}. Set PARALLEL_LOGS_PATH "
            "to a writable file, or turn logging off with --no-log."
        ) from exc


def ask(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """Answer one question; returns the exit code."""
    question = compose_question(args.question, stdin)
    if not question:
        err.write(f"{PROG}: give a question as an argument or on stdin.\n")
        return EXIT_USAGE
    settings = load_settings()
    logging = bool(args.log and settings.logs_enabled)
    if not (logging or args.continue_ or args.cid):
        return _ask(args, question, None, False, out, err)
    with open_store(settings) as store:
        return _ask(args, question, store, logging, out, err)


def _ask(
    args: argparse.Namespace,
    question: str,
    store: LogStore | None,
    logging: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    history: list[Exchange] = []
    if store is not None and (args.continue_ or args.cid):
        cid = args.cid or store.latest_conversation()
        history = store.conversation(cid) if cid else []
        if not history:
            what = f"conversation {cid}" if args.cid else "conversation"
            raise ConfigError(
                f"No {what} in the log {store.path} to continue; ask without "
                "-c/--cid to start one (`parallel-chat logs` lists them)."
            )
        conversation_id = history[0].conversation_id
    else:
        conversation_id = new_conversation_id()
    # The conversation's model, as the user named it (an alias keeps its settings),
    # else as it answered (the default of the day may have changed since).
    last = history[-1] if history else None
    requested = args.model or (last and (last.requested_model or last.model)) or None
    system = args.system or next((e.system for e in history if e.system), None)
    previous = next(
        (e.interaction_id for e in reversed(history) if e.interaction_id), None
    )
    schema = None
    if args.schema:  # pydantic's create_model and a regex: loaded for --schema only
        from langchain_parallel._cli_schema import parse_schema

        schema = parse_schema(args.schema)

    from langchain_parallel import init_chat_model
    from langchain_parallel.cli import start_collecting

    try:
        llm = init_chat_model(requested)
    except (ValueError, ImportError) as exc:  # ours are ParallelErrors: exit 2 too
        err.write(f"{PROG}: {exc}\n")
        return EXIT_USAGE
    start_collecting()  # start-up is over: see there
    if previous and "previous_interaction_id" in getattr(type(llm), "model_fields", {}):
        llm = llm.model_copy(update={"previous_interaction_id": previous})
    provider, name = _identity(llm)
    messages: list[tuple[str, str]] = [("system", system)] if system else []
    for earlier in history:
        if earlier.status == "ok":  # a failed answer is no context to build on
            messages += [("human", earlier.question), ("ai", earlier.answer)]
    messages.append(("human", question))

    exchange = Exchange(
        conversation_id=conversation_id,
        question=question,
        model=f"{provider}:{name}" if provider else name,
        system=system,
        requested_model=requested,
        previous_interaction_id=previous,
        schema=schema.json_schema if schema is not None else None,
    )
    info = MODELS.get(name) if provider == "parallel" else None
    # Parallel's models beyond the chat catalogue (the Task API's processors,
    # provider parallel_task) all research.
    research = info.research if info else provider in ("parallel", "parallel_task")
    label = f"Researching with {name}" if research else f"Asking {name}"
    expected = (info.min_latency, info.max_latency) if info and research else None
    started = time.monotonic()
    try:
        with Progress(err, label, expected) as progress:
            if schema is not None:
                return _structured(llm, messages, schema, exchange, progress, out)
            if args.json or not args.stream:
                message = llm.invoke(messages)
                progress.stop()
                _record(exchange, message.text, message.response_metadata)
                if args.json:
                    payload = {
                        "content": message.content,
                        "response_metadata": message.response_metadata,
                        "conversation_id": conversation_id,
                    }
                    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
                    return EXIT_OK
                out.write(message.text)
            else:
                _stream(llm, messages, exchange, progress, out, started)
        if not exchange.answer.endswith("\n"):
            out.write("\n")
        print_sources(exchange.basis, out)
        out.flush()
        return EXIT_OK
    except (APITimeoutError, APIConnectionError) as exc:
        _failed(exchange, exc, out)
        err.write(f"{PROG}: {exc}{_tries(exc, llm)}\n")
        return EXIT_API
    except BaseException as exc:
        _failed(exchange, exc, out)
        raise
    finally:
        exchange.duration_s = round(time.monotonic() - started, 3)
        if exchange.first_token_s is None and exchange.answer:
            exchange.first_token_s = exchange.duration_s
        if store is not None and logging:
            _log(store, exchange, err)


def _stream(
    llm: Any,
    messages: list[tuple[str, str]],
    exchange: Exchange,
    progress: Progress,
    out: TextIO,
    started: float,
) -> None:
    # The answer's metadata comes once, on the last chunk: gathered key by key,
    # not by adding chunks up, which would copy the text so far at every chunk.
    metadata: dict[str, Any] | None = None
    for chunk in llm.stream(messages):
        metadata = {**(metadata or {}), **chunk.response_metadata}
        text = chunk.text
        if progress.active:
            if not text:
                # Progress a model reports (e.g. deep research) goes to stderr only.
                for block in chunk.content_blocks:
                    if block.get("type") == "reasoning":
                        progress.note(str(block.get("reasoning") or ""))
                continue
            progress.stop()  # erased before the answer's first byte
        if text:
            if exchange.first_token_s is None:
                exchange.first_token_s = round(time.monotonic() - started, 3)
            exchange.answer += text
            out.write(text)
            out.flush()
    if metadata is not None:
        _record(exchange, exchange.answer, metadata)


def _structured(
    llm: Any,
    messages: list[tuple[str, str]],
    schema: Schema,
    exchange: Exchange,
    progress: Progress,
    out: TextIO,
) -> int:
    from langchain_parallel._cli_schema import to_json

    result = llm.with_structured_output(schema.target, include_raw=True).invoke(
        messages
    )
    progress.stop()
    raw = result["raw"]
    _record(exchange, raw.text, raw.response_metadata)
    if result["parsing_error"] is not None:
        raise result["parsing_error"]
    out.write(json.dumps(to_json(result["parsed"]), indent=2, ensure_ascii=False))
    out.write("\n")
    out.flush()
    return EXIT_OK


def _record(exchange: Exchange, text: str, metadata: dict[str, Any]) -> None:
    exchange.answer = text
    exchange.basis = metadata.get("basis") or None
    exchange.interaction_id = metadata.get("interaction_id") or None


def _failed(exchange: Exchange, exc: BaseException, out: TextIO) -> None:
    """Note why the exchange ended early, keeping whatever text had arrived."""
    # Streamed text on stdout with no newline yet: end the line, so that the error
    # on stderr starts on its own line of the terminal.
    open_line = exchange.first_token_s is not None and not exchange.answer.endswith(
        "\n"
    )
    partial = getattr(exc, "partial_content", "") or getattr(exc, "raw", "")
    if isinstance(partial, str) and len(partial) > len(exchange.answer):
        exchange.answer = partial
    if isinstance(exc, BrokenPipeError):
        exchange.status, exchange.error = "interrupted", "stdout was closed"
        return
    if isinstance(exc, KeyboardInterrupt):  # Ctrl-C, or cli.Terminated's signal
        exchange.status, exchange.error = "interrupted", str(exc) or "Ctrl-C"
    else:
        exchange.status, exchange.error = "error", f"{type(exc).__name__}: {exc}"
    if open_line:
        out.write("\n")
        out.flush()


def _tries(exc: BaseException, llm: Any) -> str:
    """How often a request that got no answer was sent, when it was retried.

    The SDK retries a request that timed out or could not connect (its own
    `APITimeoutError` / `APIConnectionError`, the cause of ours), not a stream that
    stalled halfway (a transport error), so only the former say so.
    """
    retries = getattr(llm, "max_retries", None)
    retried = type(exc.__cause__).__name__ in ("APITimeoutError", "APIConnectionError")
    if not (retried and isinstance(retries, int) and retries > 0):
        return ""
    return f" Sent {retries + 1} times (max_retries={retries}, PARALLEL_MAX_RETRIES)."


def _log(store: LogStore, exchange: Exchange, err: TextIO) -> None:
    try:
        store.log(exchange)
    except (sqlite3.Error, OSError) as exc:  # the answer matters more than its log
        err.write(
            f"{PROG}: warning: could not log this exchange in {store.path}: {exc}\n"
        )


def _identity(llm: Any) -> tuple[str, str]:
    """`(provider, model)` as LangChain's tracing reports them."""
    try:
        params = llm._get_ls_params()
    except Exception:  # a model without LangSmith params: name it by its class
        params = {}
    provider = str(params.get("ls_provider") or "")
    name = str(
        params.get("ls_model_name") or getattr(llm, "model", "") or type(llm).__name__
    )
    return provider, name


def sources(basis: list[Any] | None) -> list[tuple[str, str]]:
    """`(title, url)` of each distinct cited source, in order of first citation."""
    from langchain_parallel.citations import citations  # reads any basis safely

    seen: dict[str, str] = {}
    for citation in citations(basis):
        url = citation.get("url")
        if url and url not in seen:
            seen[url] = citation.get("title") or url
    return [(title, url) for url, title in seen.items()]


def print_sources(basis: list[Any] | None, out: TextIO) -> None:
    """The numbered source list that follows an answer, if it cites any."""
    found = sources(basis)
    if found:
        out.write("\nSources:\n")
        for number, (title, url) in enumerate(found, start=1):
            out.write(f"  [{number}] {url if title == url else f'{title} - {url}'}\n")
