"""`parallel-chat logs` and `parallel-chat models`: what was asked, what there is."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from langchain_parallel._cli_ask import open_store, print_sources
from langchain_parallel._cli_progress import span
from langchain_parallel._logs import Exchange, default_path
from langchain_parallel._models import MODELS
from langchain_parallel._settings import DEFAULT_MODEL, load_settings
from langchain_parallel.errors import ConfigError

EXIT_OK = 0


def show_logs(args: argparse.Namespace, out: TextIO) -> int:
    """Print the latest exchanges, oldest first, with their sources."""
    settings = load_settings()
    path = (settings.logs_path or default_path()).expanduser()
    if args.path:
        out.write(f"{path}\n")
        return EXIT_OK
    if not path.exists():
        out.write("[]\n" if args.json else f"Nothing logged yet (the log is {path}).\n")
        return EXIT_OK
    with open_store(settings) as store:
        cid = args.cid or (store.latest_conversation() if args.current else None)
        exchanges = store.recent(args.count if args.count > 0 else -1, cid)
    if args.cid and not exchanges:
        raise ConfigError(f"No conversation {args.cid} in the log {path}.")
    if not exchanges and not args.json:
        out.write(f"Nothing logged yet (the log is {path}).\n")
        return EXIT_OK
    if args.json:
        out.write(
            json.dumps([e.to_json() for e in exchanges], indent=2, ensure_ascii=False)
        )
        out.write("\n")
        return EXIT_OK
    for number, exchange in enumerate(exchanges):
        if number:
            out.write("\n")
        _write_exchange(exchange, out)
    return EXIT_OK


def _write_exchange(exchange: Exchange, out: TextIO) -> None:
    timing = []
    if exchange.first_token_s is not None:
        timing.append(f"first text {exchange.first_token_s:.1f} s")
    if exchange.duration_s is not None:
        timing.append(f"total {exchange.duration_s:.1f} s")
    when = exchange.started[:19].replace("T", " ")
    out.write(f"# {when} UTC  {exchange.model}  {', '.join(timing)}".rstrip() + "\n")
    ids = f"conversation {exchange.conversation_id}"
    if exchange.interaction_id:
        ids += f"  interaction {exchange.interaction_id}"
    out.write(ids + "\n")
    if exchange.status != "ok":
        reason = f": {exchange.error}" if exchange.error else ""
        out.write(f"Status: {exchange.status}{reason}\n")
    if exchange.system:
        out.write(f"\n## System\n\n{exchange.system}\n")
    out.write(f"\n## Question\n\n{exchange.question}\n")
    partial = " (partial)" if exchange.status != "ok" and exchange.answer else ""
    out.write(f"\n## Answer{partial}\n\n{exchange.answer or '(none)'}\n")
    print_sources(exchange.basis, out)


def show_models(args: argparse.Namespace, out: TextIO) -> int:
    """Print the providers, their models, the config file and its aliases."""
    from langchain_parallel.registry import get_registry

    settings = load_settings()
    registry = get_registry()
    providers: list[dict[str, Any]] = []
    for name in registry.list_providers():
        provider = registry.get(name)
        if provider is not None:
            providers.append(
                {
                    "name": name,
                    "description": provider.description,
                    "models": list(provider.models),
                }
            )
    aliases = {alias: dict(entry) for alias, entry in settings.models.items()}
    config = str(settings.config_file) if settings.config_file else None
    # PARALLEL_MODEL, else the file's default_model: init_chat_model's own order.
    default = settings.model or DEFAULT_MODEL
    if args.json:
        data = {
            "providers": providers,
            "config_file": config,
            "aliases": aliases,
            "default_model": default,
        }
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    out.write("Providers (use as provider:model):\n")
    for entry in providers:
        out.write(f"  {entry['name']:<12} {entry['description']}".rstrip() + "\n")
        for model in entry["models"]:
            about = _about(entry["name"], model)
            out.write(f"    {model:<10} {about}".rstrip() + "\n")
    if config is None:
        out.write(
            "\nConfig file: none (PARALLEL_CONFIG_FILE is not set and there is no "
            "./parallel.toml)\n"
        )
    else:
        out.write(f"\nConfig file: {config}\n")
    if aliases:
        out.write("Aliases (use with -m):\n")
        for alias, entry in aliases.items():
            target = entry.pop("model", "(no model set)")
            extra = "  ".join(f"{k}={v!r}" for k, v in entry.items())
            out.write(f"  {alias:<12} -> {target}  {extra}".rstrip() + "\n")
    target = settings.models.get(default, {}).get("model")
    out.write(f"Default model: {default}" + (f" -> {target}" if target else "") + "\n")
    return EXIT_OK


def _about(provider: str, model: str) -> str:
    info = MODELS.get(model) if provider == "parallel" else None
    if info is None:
        return ""
    kind = "research, with sources" if info.research else "fast answers"
    return f"{kind}; first text in {span(info.min_latency, info.max_latency)}"
