"""SQS: receive the fleet's events and acknowledge (delete) each once handled."""

from __future__ import annotations

from typing import Callable, Iterator


def receive_all(sqs, queue_url: str, limit: int = 100, wait_seconds: int = 1) -> Iterator[tuple[str, Callable[[], None]]]:
    """Yield (body, ack) until the queue is empty or `limit` messages were handled. A message
    not acknowledged comes back after its visibility timeout (handled again: the drainer is
    idempotent)."""
    seen = 0
    while seen < limit:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=min(10, limit - seen),
                                  WaitTimeSeconds=wait_seconds).get("Messages", [])
        if not got:
            return
        for m in got:
            seen += 1
            handle = m["ReceiptHandle"]
            yield m["Body"], (lambda h=handle: sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=h))
