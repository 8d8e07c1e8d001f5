"""The models Parallel's Chat API serves, and the time each needs.

Latencies are Parallel's documented time to first token. Default timeouts leave
room above the slowest documented answer; a user timeout below the fastest one is
almost certainly a mistake and gets a warning.
"""

from __future__ import annotations

from typing import NamedTuple

from langchain_core.language_models import ModelProfile

from langchain_parallel._hints import warn_at_caller
from langchain_parallel._settings import setting_origin


class ModelInfo(NamedTuple):
    """What the package knows about one model."""

    research: bool
    """Research models return a basis (citations) and take longer."""
    min_latency: float
    """Documented fastest time to first token, in seconds."""
    max_latency: float
    """Documented slowest time to first token, in seconds."""
    default_timeout: float
    """Timeout used when none is configured, in seconds."""


MODELS: dict[str, ModelInfo] = {
    "speed": ModelInfo(
        research=False, min_latency=1, max_latency=10, default_timeout=60
    ),
    "lite": ModelInfo(
        research=True, min_latency=10, max_latency=60, default_timeout=180
    ),
    "base": ModelInfo(
        research=True, min_latency=15, max_latency=100, default_timeout=300
    ),
    "core": ModelInfo(
        research=True, min_latency=60, max_latency=300, default_timeout=600
    ),
}
DEFAULT_MODEL = "speed"


def unknown_model(model: str) -> str:
    """The message for a model name Parallel does not serve."""
    return f"Unknown Parallel model {model!r}; choose one of {', '.join(MODELS)}."


def warn_if_short_timeout(model: str, timeout: float) -> None:
    """Warn when `timeout` is below the model's fastest documented answer.

    The warning names where the timeout came from when it was not an argument, and
    points at the caller's line, not at this package.
    """
    info = MODELS[model]
    if timeout < info.min_latency:
        origin = setting_origin("timeout")
        warn_at_caller(
            f"timeout={timeout:g} s{f' (from {origin})' if origin else ''} is below "
            f"{model!r}'s documented time to first token "
            f"({info.min_latency:g}-{info.max_latency:g} s); most requests will "
            f"time out. The default for {model!r} is {info.default_timeout:g} s.",
            UserWarning,
        )


def model_profile(model: str) -> ModelProfile | None:
    """What LangChain may expect of `model` (`BaseChatModel.profile`).

    Text in, text out; native structured output (`response_format` with a JSON
    schema), so `create_agent(..., response_format=...)` uses it rather than a tool;
    no tool calling, no images, audio, video or files; no reasoning output, and
    `temperature` is accepted but ignored. Parallel publishes no context or output
    token limits, so none are claimed.
    """
    if model not in MODELS:
        return None
    return ModelProfile(
        name=f"Parallel {model}",
        text_inputs=True,
        image_inputs=False,
        image_url_inputs=False,
        pdf_inputs=False,
        audio_inputs=False,
        video_inputs=False,
        text_outputs=True,
        image_outputs=False,
        audio_outputs=False,
        video_outputs=False,
        tool_calling=False,
        tool_choice=False,
        structured_output=True,
        reasoning_output=False,
        attachment=False,
        temperature=False,
    )
