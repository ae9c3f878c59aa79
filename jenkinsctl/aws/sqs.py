"""SQS: the agent fleet's event queue: read it normalized, receive its events and acknowledge
(delete) each once handled."""

from __future__ import annotations

import json
from typing import Callable, Iterator

from jenkinsctl.aws.session import AwsNotFound, Service


def events_policy(queue_arn: str, rule_arns: list[str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "agent-events", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arns}}}]})


class Sqs(Service):
    name = "sqs"
    PLANNED = frozenset({"create_queue", "set_queue_attributes", "tag_queue", "delete_queue"})

    def receive_all(self, queue_url: str, limit: int = 100,
                    wait_seconds: int = 1) -> Iterator[tuple[str, Callable[[], None]]]:
        """Yield (body, ack) until the queue is empty or `limit` messages were handled. A message
        not acknowledged comes back after its visibility timeout (handled again: the drainer is
        idempotent)."""
        seen = 0
        while seen < limit:
            got = self._call("receive_message", QueueUrl=queue_url, MaxNumberOfMessages=min(10, limit - seen),
                             WaitTimeSeconds=wait_seconds).get("Messages", [])
            if not got:
                return
            for m in got:
                seen += 1
                handle = m["ReceiptHandle"]
                yield m["Body"], (lambda h=handle: self._ack(queue_url, h))

    def receive(self, queue_url: str, wait_seconds: int = 20, limit: int = 10) -> list[dict]:
        """One long poll: up to `limit` messages as {id, body, receipt, receives}."""
        got = self._call("receive_message", QueueUrl=queue_url, MaxNumberOfMessages=limit,
                         WaitTimeSeconds=max(0, min(20, int(wait_seconds))),
                         AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
        return [{"id": m["MessageId"], "body": m["Body"], "receipt": m["ReceiptHandle"],
                 "receives": int((m.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))} for m in got]

    def delete(self, queue_url: str, receipt_handle: str) -> None:
        self._ack(queue_url, receipt_handle)

    def retry_later(self, queue_url: str, receipt_handle: str, seconds: int) -> None:
        """Make a message it could not handle visible again after `seconds` (the redrive policy
        moves it to the dead-letter queue after maxReceiveCount receives)."""
        self._call("change_message_visibility", QueueUrl=queue_url, ReceiptHandle=receipt_handle,
                   VisibilityTimeout=max(0, min(43200, int(seconds))))

    def depth(self, queue_url: str) -> dict:
        """Messages waiting (and in flight), and the oldest one's age, from a peek that leaves
        them in place (VisibilityTimeout 0). SentTimestamp survives a move to a dead-letter queue."""
        import time

        attrs = self._call("get_queue_attributes", QueueUrl=queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        peek = self._call("receive_message", QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                          WaitTimeSeconds=0, AttributeNames=["SentTimestamp"]).get("Messages", [])
        sent = [int(m["Attributes"]["SentTimestamp"]) / 1000 for m in peek if "SentTimestamp" in (m.get("Attributes") or {})]
        return {"messages": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "inFlight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
                "oldestSeconds": round(time.time() - min(sent)) if sent else None}

    def _ack(self, queue_url: str, receipt_handle: str) -> None:
        self._call("delete_message", QueueUrl=queue_url, ReceiptHandle=receipt_handle)

    def queue(self, name: str) -> dict | None:
        """The queue `name`, normalized: attributes the fleet sets, the rules allowed to send, tags."""
        try:
            url = self._call("get_queue_url", QueueName=name)["QueueUrl"]
        except AwsNotFound:
            return None
        attrs = self._call("get_queue_attributes", QueueUrl=url, AttributeNames=["All"])["Attributes"]
        senders: list[str] = []
        policy = json.loads(attrs.get("Policy") or "{}")
        for st in policy.get("Statement", []):
            arns = ((st.get("Condition") or {}).get("ArnEquals") or {}).get("aws:SourceArn") or []
            senders += [a.rsplit("/", 1)[-1] for a in ([arns] if isinstance(arns, str) else arns)]
        tags = self._call("list_queue_tags", QueueUrl=url).get("Tags", {})
        out = {"visibilityTimeout": attrs.get("VisibilityTimeout"),
               "retentionSeconds": attrs.get("MessageRetentionPeriod"),
               "sendersFromRules": sorted(senders), "tags": dict(tags), "_url": url}
        if attrs.get("RedrivePolicy"):
            redrive = json.loads(attrs["RedrivePolicy"])
            out["deadLetterQueue"] = str(redrive.get("deadLetterTargetArn", "")).rsplit(":", 1)[-1]
            out["maxReceiveCount"] = int(redrive.get("maxReceiveCount", 0))
        return out
