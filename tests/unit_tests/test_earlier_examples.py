"""The earlier `langchain-parallel`'s README examples, verbatim, against the stand-in.

Users switching from the earlier integration (0.x on PyPI, by Parallel) must lose
nothing: each block below is copied unchanged from its README (0.5.0, plus the
objective-only search of 0.2.0) and run in order in one namespace, as a reader
would, with PARALLEL_API_KEY and PARALLEL_BASE_URL pointing at the stand-in. Left
out: the agent example, which names a hosted Anthropic model
(`test_web_agent.py` runs the same search-then-extract agent offline).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from parallel_standin import StandIn

SEARCH = r"""
from langchain_parallel import ParallelWebSearchTool

search_tool = ParallelWebSearchTool()

result = search_tool.invoke({
    "search_queries": ["renewable energy 2026", "solar power developments"],
    "max_results": 5,
})

print(result["search_id"], len(result["results"]))
for r in result["results"]:
    print(r["title"], "-", r["url"])
"""

SEARCH_QUERIES = r"""
# Search with specific queries
result = search_tool.invoke({
    "search_queries": [
        "renewable energy 2024",
        "solar power developments",
        "wind energy statistics"
    ],
    "max_results": 8
})
"""

EXTRACT = r"""
from langchain_parallel import ParallelExtractTool

# Initialize the extract tool
extract_tool = ParallelExtractTool()

# Extract from a single URL
result = extract_tool.invoke({
    "urls": ["https://en.wikipedia.org/wiki/Artificial_intelligence"]
})

print(result)
# [
#     {
#         "url": "https://en.wikipedia.org/wiki/Artificial_intelligence",
#         "title": "Artificial intelligence - Wikipedia",
#         "content": "# Artificial intelligence\n\nMain content in markdown...",
#         "publish_date": "2024-01-15"  # Optional
#     }
# ]
"""

EXTRACT_OBJECTIVE = r"""
# Extract content focused on a specific objective with excerpt settings
result = extract_tool.invoke({
    "urls": ["https://en.wikipedia.org/wiki/Artificial_intelligence"],
    "search_objective": "What are the main applications and ethical concerns of AI?",
    "excerpts": {"max_chars_per_result": 2000},
    "full_content": False,
    "fetch_policy": {
        "max_age_seconds": 86400,
        "timeout_seconds": 60,
        "disable_cache_fallback": False
    }
})

# Returns relevant excerpts focused on the objective
print(result[0]["excerpts"])  # List of relevant text excerpts
"""

EXTRACT_QUERIES = r"""
# Extract content focused on specific queries
result = extract_tool.invoke({
    "urls": [
        "https://en.wikipedia.org/wiki/Machine_learning",
        "https://en.wikipedia.org/wiki/Deep_learning"
    ],
    "search_queries": ["neural networks", "training algorithms", "applications"],
    "excerpts": True
})

for item in result:
    print(f"Title: {item['title']}")
    print(f"Relevant excerpts: {len(item['excerpts'])}")
    print()
"""

EXTRACT_LENGTH = r"""
# Control full content length per extraction
result = extract_tool.invoke({
    "urls": ["https://en.wikipedia.org/wiki/Quantum_computing"],
    "full_content": {"max_chars_per_result": 3000}
})

print(f"Content length: {len(result[0]['content'])} characters")
"""

EXTRACT_ERRORS = r"""
# Mix of valid and invalid URLs
result = extract_tool.invoke({
    "urls": [
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
        "https://this-domain-does-not-exist-12345.com/"
    ]
})

for item in result:
    if "error_type" in item:
        print(f"Failed: {item['url']} - {item['content']}")
    else:
        print(f"Success: {item['url']} - {len(item['content'])} chars")
"""

EXTRACT_ASYNC = r"""
import asyncio

async def extract_async():
    result = await extract_tool.ainvoke({
        "urls": ["https://en.wikipedia.org/wiki/Artificial_intelligence"]
    })
    return result

# Run async extraction
result = asyncio.run(extract_async())
"""

RETRIEVER = r"""
from langchain_parallel import ParallelSearchRetriever, SourcePolicy

retriever = ParallelSearchRetriever(
    max_results=5,
    mode="advanced",
    source_policy=SourcePolicy(include_domains=["nature.com", "arxiv.org"]),
    objective="Focus on peer-reviewed material",  # forwarded on every call
)

docs = retriever.invoke("recent advances in protein folding")
for doc in docs:
    print(doc.metadata["title"], "-", doc.metadata["url"])
    print(doc.page_content[:200])
"""

SEARCH_OBJECTIVE_0_2 = r"""
from langchain_parallel import ParallelWebSearchTool

# Initialize the search tool
search_tool = ParallelWebSearchTool()

# Search with an objective
result = search_tool.invoke({
    "objective": "What are the latest developments in renewable energy?",
    "max_results": 5
})

print(result)
# {
#     "search_id": "search_123...",
#     "results": [
#         {
#             "url": "https://example.com/renewable-energy",
#             "title": "Latest Renewable Energy Developments",
#             "excerpts": [
#                 "Solar energy has seen remarkable growth...",
#                 "Wind power capacity increased by 15%..."
#             ]
#         }
#     ]
# }
"""

EXAMPLES = [
    SEARCH,
    SEARCH_QUERIES,
    EXTRACT,
    EXTRACT_OBJECTIVE,
    EXTRACT_QUERIES,
    EXTRACT_LENGTH,
    EXTRACT_ERRORS,
    EXTRACT_ASYNC,
    RETRIEVER,
    SEARCH_OBJECTIVE_0_2,
]


@pytest.fixture
def readme(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("PARALLEL_API_KEY", "standin-key")
    monkeypatch.setenv("PARALLEL_BASE_URL", standin.url)
    return {"__name__": "__readme__"}


def test_earlier_readme_examples_run_unchanged(
    readme: dict[str, Any], standin: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a deprecation on these
        for source in EXAMPLES:
            exec(compile(source, "<readme>", "exec"), readme)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("search_")
    assert lines[0].endswith(" 5")
    assert all(" - https://" in line for line in lines[1:6])  # title - url
    assert "Content length: 3000 characters" in out
    assert "Failed: https://this-domain-does-not-exist-12345.com/ - Error:" in out
    assert "Success: https://en.wikipedia.org/wiki/Python_(programming_language)" in out
    assert out.count(" - https://nature.com/") + out.count(" - https://arxiv.org/") == 5
    assert readme["result"]["results"]  # the 0.2.0 objective-only search
    paths = [seen.path for seen in standin.requests]
    assert paths.count("/v1/search") == 4
    assert paths.count("/v1/extract") == 6
