"""`parallel-chat` in-process, with string streams that can pose as terminals."""

from __future__ import annotations

import io

from langchain_parallel.cli import main


class Stream(io.StringIO):
    """A text stream whose `isatty()` answers as told."""

    def __init__(self, text: str = "", tty: bool = False) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def run(*argv: str, stdin: str = "", tty: bool = True) -> tuple[int, str, str]:
    """`(exit code, stdout, stderr)`; stdin is a terminal unless `tty=False`."""
    out, err = Stream(), Stream()
    code = main(list(argv), out=out, err=err, stdin=Stream(stdin, tty=tty))
    return code, out.getvalue(), err.getvalue()
