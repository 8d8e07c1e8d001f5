"""What a fresh process pays: imports, the CLI, a model built for its first call."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import openai
from _calls import LC_MESSAGES, MESSAGES, typed_invoke
from _server import KEY
from _timing import Setup, python, rounds, subprocess_rounds

IMPORT_BASELINE = (
    "from langchain_core.language_models import BaseChatModel; import openai"
)
IMPORTS = {
    "baseline": IMPORT_BASELINE,
    "ours": "from langchain_parallel import ChatParallelWeb",
    "package": "import langchain_parallel",
    "ChatOpenAI": "from langchain_openai import ChatOpenAI",
}

# `python -c pass` plus an argument parser shaped like parallel-chat's own.
_PARSER = """
import argparse, sys
p = argparse.ArgumentParser(prog="parallel-chat", description="Ask a question.")
p.add_argument("question", nargs="?", help="the question (default: stdin)")
p.add_argument("-m", "--model", help="provider string or config alias")
p.add_argument("--system", help="a system prompt")
p.add_argument("--json", action="store_true", help="print content and metadata")
p.add_argument("--version", action="version", version="parallel-chat 0.1.0")
p.parse_args(sys.argv[1:])
"""

# The import floor plus one streamed call, printed as it arrives.
_START = f"""
{IMPORT_BASELINE}
import json, os, sys, httpx2
client = openai.OpenAI(
    api_key=os.environ["PARALLEL_API_KEY"], base_url=os.environ["PARALLEL_BASE_URL"]
)
"""
_POST = f"""
response = client.post(
    "/chat/completions",
    body={{"model": "speed", "messages": {MESSAGES!r}, "stream": True}},
    cast_to=httpx2.Response,
    stream=True,
)
for line in response.iter_lines():
    if line.startswith("data:") and line != "data: [DONE]":
        choices = json.loads(line[5:]).get("choices") or [{{}}]
        sys.stdout.write((choices[0].get("delta") or {{}}).get("content") or "")
print()
"""
_ONE_QUESTION = _START + _POST
# The same with parallel-chat's collector policy (`cli.start_collecting`): off
# while importing and building the client, then start-up's objects frozen.
_COLLECTOR_PAUSED = (
    f"import gc\ngc.disable()\n{_START}gc.freeze()\ngc.enable()\n{_POST}"
)


def imports(count: int) -> dict[str, list[float]]:
    return subprocess_rounds(
        {name: python(code) for name, code in IMPORTS.items()}, count
    )


def cli_command() -> str | None:
    """The installed `parallel-chat` script next to this interpreter, if any."""
    beside = Path(sys.executable).with_name("parallel-chat")
    return str(beside) if beside.exists() else shutil.which("parallel-chat")


def cli_available(flag: str) -> bool:
    script = cli_command()
    return (
        script is not None
        and subprocess.run([script, flag], capture_output=True).returncode == 0
    )


def cli(count: int) -> dict[str, list[float]]:
    """`parallel-chat --help` / `--version` against the bare parser doing the same."""
    script = cli_command()
    assert script is not None
    commands = {
        "baseline --help": [*python(_PARSER), "--help"],
        "baseline --version": [*python(_PARSER), "--version"],
    }
    for flag in ("--help", "--version"):
        if cli_available(flag):
            commands[f"parallel-chat {flag}"] = [script, flag]
    return subprocess_rounds(commands, count)


def question(url: str, count: int) -> dict[str, list[float]]:
    """`parallel-chat "<question>"` against the import floor plus one streamed call."""
    script = cli_command()
    assert script is not None
    # Each question is logged, as a user's would be, but not into the user's log.
    with tempfile.TemporaryDirectory() as logs:
        env = {
            "PARALLEL_API_KEY": KEY,
            "PARALLEL_BASE_URL": url,
            "PARALLEL_LOGS_PATH": os.path.join(logs, "logs.db"),
        }
        command = [script, "-m", "parallel:speed", MESSAGES[0]["content"]]
        return subprocess_rounds(
            {
                "baseline": python(_ONE_QUESTION),
                "baseline, collector paused": python(_COLLECTOR_PAUSED),
                "parallel-chat": command,
            },
            count,
            env=env,
        )


def _reset_our_clients() -> None:
    """Forget the cached clients, wherever the transport keeps them."""
    for module in ("langchain_parallel._transport", "langchain_parallel._client"):
        try:
            reset = importlib.import_module(module).reset_clients
        except (ImportError, AttributeError):
            continue
        reset()
        return
    raise RuntimeError("no reset_clients() found; update benchmarks/_startup.py")


def first_call(url: str, count: int) -> dict[str, list[float]]:
    """A model built and called once, its HTTP client built on the way.

    Each side starts without a cached client, as the first model of a process does.
    """
    from langchain_openai import ChatOpenAI

    from langchain_parallel import ChatParallelWeb

    made: list[openai.OpenAI] = []

    def ours(_: int) -> Callable[[], object]:
        _reset_our_clients()
        return lambda: ChatParallelWeb(api_key=KEY, base_url=url, model="speed").invoke(
            LC_MESSAGES
        )

    def typed(_: int) -> Callable[[], object]:
        while made:
            made.pop().close()

        def run() -> object:
            made.append(openai.OpenAI(api_key=KEY, base_url=url))
            return typed_invoke(made[-1])

        return run

    def chatopenai(_: int) -> Callable[[], object]:
        # ChatOpenAI shares one HTTP client per base URL: forget it, as we forget
        # ours, so each side pays for its first model in a process.
        from langchain_openai.chat_models import _client_utils

        for name in ("_cached_sync_httpx_client", "_cached_async_httpx_client"):
            cached = getattr(_client_utils, name, None)
            if cached is not None:
                cached.cache_clear()
        return lambda: ChatOpenAI(
            api_key=KEY,  # type: ignore[arg-type]
            base_url=url,
            model="speed",
        ).invoke(LC_MESSAGES)

    setups: dict[str, Setup] = {
        "typed SDK": typed,
        "ChatOpenAI": chatopenai,
        "ours": ours,
    }
    return rounds(setups, count)
