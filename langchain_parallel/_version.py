"""The package version: the one place it is written (pyproject.toml reads it here).

A constant, not `importlib.metadata.version()`, so that `import langchain_parallel`
and `parallel-chat --version` need no scan of the installed distributions.
"""

__version__ = "0.1.0"
