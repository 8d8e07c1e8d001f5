"""The cassettes hold no secret, replay only what they recorded, and are enough."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import vcr
import yaml
from recording import CANONICAL_BASE_URL
from vcr.errors import CannotOverwriteExistingCassetteException

from langchain_parallel import ChatParallelWeb

CASSETTE_DIR = Path(__file__).resolve().parents[2] / "cassettes"
SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "cookie", "set-cookie"}
BEARER = re.compile(r"(?i)bearer\s+(?!PLACEHOLDER)[A-Za-z0-9._~+/=-]{6,}")


def _keys_to_hunt() -> list[str]:
    keys = ["standin-key"]
    if os.environ.get("PARALLEL_API_KEY"):
        keys.append(os.environ["PARALLEL_API_KEY"])
    return keys


def _problems(path: Path) -> list[str]:
    text = path.read_text()
    found = [f"holds the key {key[:4]}..." for key in _keys_to_hunt() if key in text]
    if BEARER.search(text):
        found.append("holds a bearer token")
    for interaction in yaml.safe_load(text)["interactions"]:
        request, response = interaction["request"], interaction["response"]
        if not request["uri"].startswith(CANONICAL_BASE_URL):
            found.append(f"records the address {request['uri']}")
        for name, values in {**request["headers"], **response["headers"]}.items():
            if name.lower() in SECRET_HEADERS and values != ["PLACEHOLDER"]:
                found.append(f"keeps the {name} header")
            if name.lower() == "host":
                found.append("keeps the host header")
    return [f"{path.name}: {problem}" for problem in found]


def test_cassettes_hold_no_secret() -> None:
    """Runs last (see conftest), so a recording run scans what it just wrote."""
    cassettes = sorted(CASSETTE_DIR.glob("*.yaml"))
    assert len(cassettes) >= 20
    problems = [problem for path in cassettes for problem in _problems(path)]
    assert problems == []


def test_missing_cassette_fails_instead_of_reaching_the_network(tmp_path: Path) -> None:
    recorder = vcr.VCR(record_mode="none")
    llm = ChatParallelWeb(api_key="replay-without-a-key", max_retries=0)
    with (
        recorder.use_cassette(str(tmp_path / "missing.yaml")),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        llm.invoke("Hello")
