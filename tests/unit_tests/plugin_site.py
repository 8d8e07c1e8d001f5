"""Installed-looking plugin distributions, written into a directory on sys.path."""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_distribution(
    site: Path, dist: str, entries: dict[str, str] | str, module: str, code: str
) -> None:
    """A minimal installed distribution: `entries` maps entry-point names to modules.

    A plain string is one entry point of that name, pointing at `module`.
    """
    if isinstance(entries, str):
        entries = {entries: module}
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[langchain_parallel.providers]\n{lines}")
    (site / f"{module}.py").write_text(textwrap.dedent(code))


TOY_PROVIDER = """
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_parallel.hookspecs import Provider, hookimpl

def make(model, **kwargs):
    return FakeListChatModel(responses=[f"{model} says hi"], **kwargs)

@hookimpl
def chat_model_providers():
    return [Provider(name=NAME, create=make, models=MODELS)]
"""


def toy_provider(name: str, models: tuple[str, ...] = ()) -> str:
    """Source of a plugin module offering provider `name` with `models`."""
    return f"NAME = {name!r}\nMODELS = {models!r}\n" + TOY_PROVIDER
