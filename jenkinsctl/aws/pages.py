"""Every page of a list call, through the translating client (so errors stay ours)."""

from __future__ import annotations

from typing import Callable, Iterator


def pages(call: Callable[..., dict], token: str, **kwargs) -> Iterator[dict]:
    """Call again with `token=<the previous page's token>` until a page has none.
    IAM: "Marker"; CloudWatch Logs: "nextToken"; EventBridge: "NextToken"."""
    value = None
    while True:
        page = call(**kwargs, **({token: value} if value else {}))
        yield page
        value = page.get(token)
        if not value:
            return
