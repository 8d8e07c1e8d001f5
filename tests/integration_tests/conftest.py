"""Cassette set-up: recorded through the real openai SDK path, scrubbed, replayed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_tests.conftest import base_vcr_config
from recording import CANONICAL_BASE_URL, TARGET, configure

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"

# Request headers that could identify a person, account or machine.
_REQUEST_HEADERS_DROPPED = (
    "cookie",
    "host",
    "openai-organization",
    "openai-project",
    "user-agent",
)
# Response headers worth keeping; everything else (cookies, account and
# infrastructure ids) is dropped before a cassette is written.
_RESPONSE_HEADERS_KEPT = {
    "content-type",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "x-parallel-standin",
}
REDACTED_REQUEST_ID = "req_redacted"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--standin",
        action="store_true",
        help="record cassettes against the local Parallel stand-in",
    )


def pytest_configure(config: pytest.Config) -> None:
    problem = configure(
        config.getoption("--record-mode"), config.getoption("--standin")
    )
    if problem:
        raise pytest.UsageError(problem)


def pytest_unconfigure(config: pytest.Config) -> None:
    if TARGET.standin is not None:
        TARGET.standin.stop()  # type: ignore[attr-defined]


def _scrub_request(request: Any) -> Any:
    if TARGET.base_url != CANONICAL_BASE_URL:
        request.uri = request.uri.replace(TARGET.base_url, CANONICAL_BASE_URL, 1)
    for name in list(request.headers):
        if name.lower() in _REQUEST_HEADERS_DROPPED or name.lower().startswith(
            "x-stainless"
        ):
            del request.headers[name]
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response["headers"]
    kept = {k: v for k, v in headers.items() if k.lower() in _RESPONSE_HEADERS_KEPT}
    if any(k.lower() == "x-request-id" for k in headers):
        kept["x-request-id"] = [REDACTED_REQUEST_ID]
    response["headers"] = kept
    return response


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    config = base_vcr_config()
    config.pop("record_mode")  # --record-mode on the command line decides
    config.pop("cassette_library_dir")
    config["filter_headers"] = [
        *config["filter_headers"],
        ("cookie", "PLACEHOLDER"),
    ]
    config["before_record_request"] = _scrub_request
    config["before_record_response"] = _scrub_response
    return config


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the cassette fixture runs, so a rewrite never deletes what it cannot
    # record again: injected faults exist only on the stand-in.
    if (
        item.get_closest_marker("standin_only")
        and TARGET.recording
        and not TARGET.standin
    ):
        pytest.skip("fault injection needs the local stand-in; cassette kept")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The secret scan reads the cassettes: after a recording run has written them.
    items.sort(key=lambda item: item.path.name == "test_cassettes.py")
