"""Where integration tests send requests: cassettes, the stand-in, or a real server.

- Replay (the default, `--record-mode=none`): requests go to the canonical
  `https://api.parallel.ai` and are answered from `cassettes/`; no key, no server.
- `--record-mode=rewrite --standin`: a local stand-in of the Parallel API is started
  and the cassettes are recorded against it (how the committed ones were made).
- `--record-mode=rewrite` (or `all`) with `PARALLEL_API_KEY` set: recorded against
  `PARALLEL_BASE_URL`, else the real API.

Whatever the target, recorded URIs are rewritten to the canonical base URL, so the
same cassettes replay whichever server made them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from langchain_tests.conftest import base_vcr_config

CANONICAL_BASE_URL = "https://api.parallel.ai"
REPLAY_KEY = "replay-without-a-key"


@dataclass
class Target:
    """The server and key used by this test session."""

    base_url: str = CANONICAL_BASE_URL
    api_key: str = field(default=REPLAY_KEY, repr=False)
    recording: bool = False
    standin: object | None = None  # the running StandIn when recording against it

    def model_kwargs(self) -> dict[str, str]:
        return {"base_url": self.base_url, "api_key": self.api_key}


TARGET = Target()


def configure(record_mode: str | None, use_standin: bool) -> str | None:
    """Set `TARGET` for this session; return a reason to stop, or None."""
    if record_mode in (None, "none"):
        return None
    TARGET.recording = True
    if use_standin:
        from parallel_standin import StandIn

        server = StandIn(api_keys={"standin-key"}).start()
        TARGET.standin = server
        TARGET.base_url, TARGET.api_key = server.url, "standin-key"
        return None
    key = os.environ.get("PARALLEL_API_KEY")
    if not key:
        return (
            "Recording needs PARALLEL_API_KEY (or --standin to record against the "
            "local stand-in)."
        )
    TARGET.base_url = os.environ.get("PARALLEL_BASE_URL", CANONICAL_BASE_URL).rstrip(
        "/"
    )
    TARGET.api_key = key
    return None


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


def scrubbing_vcr_config() -> dict[str, Any]:
    """LangChain's base VCR config, scrubbed further; `--record-mode` decides."""
    config = base_vcr_config()
    config.pop("record_mode")  # --record-mode on the command line decides
    config.pop("cassette_library_dir")
    config["filter_headers"] = [*config["filter_headers"], ("cookie", "PLACEHOLDER")]
    config["before_record_request"] = _scrub_request
    config["before_record_response"] = _scrub_response
    return config
