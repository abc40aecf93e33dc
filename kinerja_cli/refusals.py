"""How every command reports a request the engine refused: ``error: ...`` and its details on
stderr, exit status 1, so scripts can rely on the exit code."""
from __future__ import annotations

import json
import sys
from typing import Any, Callable

import click

from engine.errors import KinerjaError


def fail_on_refusal(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except KinerjaError as error:
        click.echo(f"error: {error.message}", err=True)
        for item in error.details if isinstance(error.details, list) else []:
            click.echo(f"  - {_format_detail(item)}", err=True)
        sys.exit(1)


def _format_detail(item: Any) -> str:
    if isinstance(item, dict) and "file" in item:
        where = f" element {item['element_id']}" if item.get("element_id") else ""
        return f"{item['file']}{where}: {item['message']}"
    return json.dumps(item, ensure_ascii=False, default=str)
