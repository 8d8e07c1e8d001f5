"""The README's plugin example, as written, installed and used like a user would.

The two code blocks under "Writing a provider plugin" become a project directory,
which pip installs (offline, no build isolation) into a throwaway virtual
environment that sees this environment's packages; a fresh interpreter of that
environment then builds `init_chat_model("mine:small")`.
"""

from __future__ import annotations

import re
import site
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_plugin_blocks() -> dict[str, str]:
    """The section's fenced blocks, keyed by the file named in their first line."""
    text = README.read_text()
    section = text.split("### Writing a provider plugin", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:python|toml)\n(.*?)```", section, flags=re.S)
    files = {}
    for block in blocks:
        first = block.splitlines()[0]
        assert first.startswith("# "), f"a block without a file name: {first!r}"
        files[first[2:].strip()] = block
    return files


def test_readme_names_the_two_files() -> None:
    assert set(readme_plugin_blocks()) == {"my_plugin.py", "pyproject.toml"}


def test_readme_plugin_installs_and_builds(tmp_path: Path) -> None:
    project = tmp_path / "my-plugin"
    project.mkdir()
    for name, code in readme_plugin_blocks().items():
        (project / name).write_text(code)

    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    # The throwaway environment sees this one's packages (this package included),
    # so the install needs no index and no network.
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "_parent_env.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in ours)
    )
    install = [python, "-m", "pip", "install", "-q", "--no-index", "--no-deps"]
    install += ["--no-build-isolation", str(project)]
    done = subprocess.run(install, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    script = """
    from langchain_parallel import init_chat_model
    from langchain_parallel.registry import list_providers

    llm = init_chat_model("mine:small")
    print(type(llm).__name__, llm.model, "|", llm.invoke("hello").content)
    print(init_chat_model("large").model, "mine" in list_providers())
    """
    run = subprocess.run(
        [python, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "MyChatModel small | small read 1 message(s)",
        "large True",
    ]
