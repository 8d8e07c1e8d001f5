"""`parallel-chat`: ask Parallel's web-research models from the terminal.

```
parallel-chat "What changed in the EU AI Act this year?"
parallel-chat -m parallel:core "Who leads solid-state battery research?"
parallel-chat -c "And in Japan?"                 # continue the last conversation
cat article.txt | parallel-chat "Summarize this:" # question, blank line, the text
parallel-chat --schema "name, founded int" "Three EU battery makers"
parallel-chat logs -n 5                          # the latest exchanges
parallel-chat models                             # providers, models, aliases
```

The answer streams to stdout. While the model works, a status line on stderr (a
terminal only) shows the elapsed time, against the documented range for research
models; it is erased before the answer starts. Sources from the basis follow the
answer. Every exchange is logged (see `langchain_parallel._logs`) unless `--no-log`
or `PARALLEL_LOGS_ENABLED=false`.

A command (`logs`, `models`) is recognised only as the first argument; to ask a
question that is exactly a command's name, write `parallel-chat -- logs`.

Exit codes: 0 answered, 1 API error or an answer that does not fit `--schema`, 2
usage or configuration error (a missing key included), 130 on Ctrl-C, 143 on
SIGTERM and 129 on SIGHUP (the exchange is logged first), 141 when stdout is closed
early (as the shell reports any command killed by SIGPIPE, e.g. `| head`).

Only the standard library is imported until a question is asked, so `--help` and
`--version` start as fast as Python does.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import warnings

from langchain_parallel import __version__

# Types for the checker only: `typing` alone would add ~3 ms to `--help`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TextIO

PROG = "parallel-chat"
EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# 128 + SIGPIPE: what a shell reports for `yes | head -1`. Python's docs suggest 1,
# but 1 already means "API error" here, and scripts that test for 141 (or run
# with `set -o pipefail`) should see parallel-chat behave like any other command.
EXIT_BROKEN_PIPE = 141
COMMANDS = ("logs", "models")
# Set by `run` while the garbage collector is off for start-up.
_collector_paused = False


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a closed terminal): stopped as by Ctrl-C, so logged first."""

    def __init__(self, signum: int) -> None:
        """Name the signal; the exit code is 128 + its number, as a shell reports."""
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


def _question_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ask Parallel's web-research models a question. "
        f"Commands: {PROG} logs (recent exchanges), {PROG} models (providers, "
        "models and config aliases); see `<command> --help`.",
        epilog="Piped text is added to the question after a blank line. "
        f"To ask a question that is a command's name: {PROG} -- logs",
    )
    parser.add_argument(
        "question",
        nargs="*",
        help="the question; several words are joined; '-' (or none) reads stdin",
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument(
        "-m",
        "--model",
        help="provider string (parallel:lite), model (core) or config alias; "
        "default: PARALLEL_MODEL, the config file's default_model, parallel:speed",
    )
    parser.add_argument("-s", "--system", help="a system prompt")
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument(
        "-c",
        "--continue",
        dest="continue_",
        action="store_true",
        help="continue the latest conversation (its history and research context)",
    )
    talk.add_argument("--cid", help="continue the conversation with this id")
    parser.add_argument(
        "--schema",
        help="answer as JSON for a field list ('name, founded int, site: its URL'; "
        "types str, int, float, bool) or a JSON schema (a file or inline JSON)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_true", help="print content and metadata as JSON"
    )
    output.add_argument(
        "--no-stream",
        dest="stream",
        action="store_false",
        help="print the answer once complete",
    )
    parser.add_argument(
        "--no-log", dest="log", action="store_false", help="do not log this exchange"
    )
    return parser


def _logs_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} logs", description="Show the latest logged exchanges."
    )
    parser.add_argument(
        "-n", "--count", type=int, default=3, help="how many (default 3; 0 for all)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "-c",
        "--current",
        action="store_true",
        help="only the latest conversation",
    )
    which.add_argument("--cid", help="only the conversation with this id")
    parser.add_argument("--json", action="store_true", help="print them as JSON")
    parser.add_argument(
        "--path", action="store_true", help="print the log database's path and exit"
    )
    return parser


def _models_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} models",
        description="List the providers and models that resolve now, the config "
        "file that was read and what each of its aliases resolves to.",
    )
    parser.add_argument("--json", action="store_true", help="print them as JSON")
    return parser


def _version() -> str:
    return f"{PROG} (langchain-parallel) {__version__}"


def _show_warning(err: TextIO) -> Any:
    # A warning is for the user, not a developer: one line, no file or line of ours.
    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        err.write(f"{PROG}: warning: {message}\n")

    return show


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command; returns the exit code."""
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    argv = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings():
        if not sys.warnoptions:  # else the user's -W / PYTHONWARNINGS decide
            warnings.simplefilter("default")
        warnings.showwarning = _show_warning(err)
        try:
            return _dispatch(argv, out, err, stdin)
        except Terminated as exc:
            return exc.exit_code
        except KeyboardInterrupt:
            err.write("\nInterrupted.\n")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            _silence(out)
            return EXIT_BROKEN_PIPE


def _dispatch(argv: list[str], out: TextIO, err: TextIO, stdin: TextIO) -> int:
    command = argv[0] if argv and argv[0] in COMMANDS else None
    if command is None:
        args = _question_parser().parse_args(argv)
    elif command == "logs":
        args = _logs_parser().parse_args(argv[1:])
    else:
        args = _models_parser().parse_args(argv[1:])
    from langchain_parallel.errors import APIError, ParallelError, StructuredOutputError

    try:
        if command == "logs":
            from langchain_parallel._cli_commands import show_logs

            return show_logs(args, out)
        if command == "models":
            from langchain_parallel._cli_commands import show_models

            return show_models(args, out)
        from langchain_parallel._cli_ask import ask

        return ask(args, out, err, stdin)
    except APIError as exc:
        err.write(f"{PROG}: {exc}\n")
        return EXIT_API
    except StructuredOutputError as exc:  # the answer came, but not as asked
        err.write(f"{PROG}: {exc}\n")
        if exc.raw:
            err.write(f"The answer was:\n{exc.raw}\n")
        return EXIT_API
    except ParallelError as exc:  # configuration, input, provider: the user's to fix
        err.write(f"{PROG}: {exc}\n")
        return EXIT_USAGE


def _silence(out: TextIO) -> None:
    """After EPIPE: point stdout at /dev/null so the final flush cannot fail again.

    This is what Python's documentation recommends (`signal` module, "Note on
    SIGPIPE"); only done for the real stdout, which the interpreter flushes at exit.
    """
    try:
        fd = out.fileno()
    except (AttributeError, ValueError, OSError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def start_collecting() -> None:
    """Turn the garbage collector back on, start-up's objects frozen out of it.

    parallel-chat owns its process, so it may set the collector's policy, which a
    library must not. Importing LangChain, pydantic and openai builds ~150,000
    objects that live as long as the process, and collecting while they are
    built walks them again and again: a tenth of a question's time, more on a
    busy machine. So `run` turns the collector off, and once the model is built
    this moves what exists to the permanent generation (`gc.freeze()`), which
    later passes skip, during a long answer too. A no-op unless `run` paused it
    (tests call `main`).
    """
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


def run() -> None:
    """Console-script entry point."""
    global _collector_paused
    _collector_paused = True
    gc.disable()  # until `start_collecting`, once the model is built
    for name in ("SIGTERM", "SIGHUP"):  # SIGHUP does not exist on Windows
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left after the last write
        _silence(sys.stdout)
        code = EXIT_BROKEN_PIPE
    sys.exit(code)
