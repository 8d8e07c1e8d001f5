"""`python -m langchain_parallel`: the `parallel-chat` command."""

from langchain_parallel.cli import run

run()
