"""Batches as one task group, answered through LangChain's per-input machinery.

`GroupBatching.batch` (a base of `ChatParallelTask`) runs one task group for all
inputs, then lets LangChain's own `batch` call `invoke` for each input, so that
callbacks, tracing, `return_exceptions` and input order work as for any runnable.
Each of those calls finds its answer here, by its request body, instead of creating
a run. The table lives in a context variable, which LangChain's executor copies
into its threads and asyncio copies into its tasks.
"""

from __future__ import annotations

import contextvars
import json
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import RunnableConfig

from langchain_parallel._client import (
    ClientConfig,
    async_parallel_client,
    parallel_client,
)
from langchain_parallel._task_groups import Outcome, arun_group, run_group
from langchain_parallel._task_wait import Poller
from langchain_parallel.errors import ParallelError

if TYPE_CHECKING:
    import parallel

_answers: contextvars.ContextVar[dict[str, deque[Outcome]] | None] = (
    contextvars.ContextVar("langchain_parallel_task_batch", default=None)
)


def _key(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, default=str)


def _each(error: ParallelError) -> ParallelError:
    """A copy of a group-wide error for one input (each raise has its traceback)."""
    copy = BaseException.__new__(type(error))
    copy.__dict__.update(error.__dict__)
    copy.args = error.args
    copy.__cause__ = error.__cause__
    return copy


def outcomes(
    client: parallel.Parallel,
    bodies: Sequence[Mapping[str, Any]],
    poller: Poller,
    timeout: float,
) -> list[Outcome]:
    """Every body's outcome; a group that fails as a whole fails every input."""
    try:
        return run_group(client, bodies, poller, timeout) if bodies else []
    except ParallelError as exc:
        return [_each(exc) for _ in bodies]


async def aoutcomes(
    client: parallel.AsyncParallel,
    bodies: Sequence[Mapping[str, Any]],
    poller: Poller,
    timeout: float,
) -> list[Outcome]:
    """`outcomes`, on the event loop."""
    try:
        return await arun_group(client, bodies, poller, timeout) if bodies else []
    except ParallelError as exc:
        return [_each(exc) for _ in bodies]


@contextmanager
def answered(
    bodies: Sequence[Mapping[str, Any]], found: Sequence[Outcome]
) -> Iterator[None]:
    """While inside, `take` finds each body's outcome (once per equal body)."""
    table: dict[str, deque[Outcome]] = {}
    for body, outcome in zip(bodies, found, strict=True):
        table.setdefault(_key(body), deque()).append(outcome)
    token = _answers.set(table)
    try:
        yield
    finally:
        _answers.reset(token)


def take(body: Mapping[str, Any]) -> Outcome | None:
    """The batch's outcome for `body`, if a batch is answering it."""
    table = _answers.get()
    queue = table.get(_key(body)) if table else None
    try:
        return queue.popleft() if queue else None
    except IndexError:  # taken by another thread meanwhile
        return None


def as_result(outcome: Outcome) -> ChatResult:
    """The outcome as `_generate` returns it (or raises it)."""
    if isinstance(outcome, ParallelError):
        raise outcome
    return ChatResult(generations=[ChatGeneration(message=outcome)])


def as_chunk(outcome: Outcome) -> ChatGenerationChunk:
    """The outcome as the one chunk of a stream (or raised)."""
    message = as_result(outcome).generations[0].message
    chunk = AIMessageChunk(
        content=message.content,
        response_metadata=message.response_metadata,
        chunk_position="last",
    )
    return ChatGenerationChunk(message=chunk)


class GroupBatching(BaseChatModel):
    """`batch` and its kin for a chat model whose calls are task runs: one group.

    The model supplies `_request` (a call's client configuration, run body and time
    budget) and `_poller`; everything else about batches lives here.
    """

    def _request(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        kwargs: Mapping[str, Any],
    ) -> tuple[ClientConfig, dict[str, Any], float]:
        raise NotImplementedError

    def _poller(self, budget: float, run_id: str = "") -> Poller:
        raise NotImplementedError

    def _prepare_batch(
        self, inputs: Sequence[LanguageModelInput], kwargs: Mapping[str, Any]
    ) -> tuple[ClientConfig | None, list[dict[str, Any]], float]:
        """The bodies of the inputs that are valid (the others fail in `invoke`)."""
        bodies: list[dict[str, Any]] = []
        config, budget = None, 0.0
        call = {k: v for k, v in kwargs.items() if k != "stop"}
        for item in inputs:
            try:
                messages = self._convert_input(item).to_messages()
                config, body, budget = self._request(messages, kwargs.get("stop"), call)
            except ValueError:  # includes our InputError and ConfigError
                continue
            bodies.append(body)
        return config, bodies, budget

    def _group_answers(
        self, inputs: Sequence[LanguageModelInput], kwargs: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], list[Outcome]]:
        """The valid inputs' request bodies and their outcomes, from one group."""
        config, bodies, budget = self._prepare_batch(inputs, kwargs)
        if config is None:
            return bodies, []
        client = parallel_client(config)
        return bodies, outcomes(client, bodies, self._poller(budget), config.timeout)

    async def _agroup_answers(
        self, inputs: Sequence[LanguageModelInput], kwargs: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], list[Outcome]]:
        """`_group_answers`, on the event loop."""
        config, bodies, budget = self._prepare_batch(inputs, kwargs)
        if config is None:
            return bodies, []
        client = await async_parallel_client(config)
        poller = self._poller(budget)
        return bodies, await aoutcomes(client, bodies, poller, config.timeout)

    def batch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """Answer every input with one task group; results in input order.

        Callbacks, `return_exceptions` and input order work as for any runnable:
        each input is then answered from the group's results.
        """
        with answered(*self._group_answers(inputs, kwargs)):
            return super().batch(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )

    async def abatch(
        self,
        inputs: list[LanguageModelInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[AIMessage]:
        """`batch`, on the event loop."""
        with answered(*await self._agroup_answers(inputs, kwargs)):
            return await super().abatch(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )

    def batch_as_completed(  # type: ignore[override]
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, AIMessage | Exception]]:
        """One task group, as `batch`; `(index, answer)` pairs once it is done.

        The group is done before the first pair, so the pairs are gathered while
        the batch's answers are on offer and yielded after: between two pairs the
        caller's own calls never borrow them.
        """
        with answered(*self._group_answers(inputs, kwargs)):
            if return_exceptions:  # two calls: the base method is overloaded on it
                pairs = list(
                    super().batch_as_completed(
                        inputs, config, return_exceptions=True, **kwargs
                    )
                )
            else:
                pairs = list(super().batch_as_completed(inputs, config, **kwargs))
        yield from pairs

    async def abatch_as_completed(  # type: ignore[override]
        self,
        inputs: Sequence[LanguageModelInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, AIMessage | Exception]]:
        """`batch_as_completed`, on the event loop."""
        with answered(*await self._agroup_answers(inputs, kwargs)):
            pending: AsyncIterator[tuple[int, AIMessage | Exception]] = (
                super().abatch_as_completed(
                    inputs, config, return_exceptions=True, **kwargs
                )
                if return_exceptions
                else super().abatch_as_completed(inputs, config, **kwargs)
            )
            pairs = [pair async for pair in pending]
        for pair in pairs:
            yield pair
