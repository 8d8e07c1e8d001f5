"""An offline `fake` provider for langchain-parallel."""

from langchain_parallel_fake.chat_models import ChatParallelFake

__all__ = ["ChatParallelFake"]
