"""Drive the AWS behaviour moto does not model (deployment rollout states, circuit-breaker
rollbacks, unhealthy targets) with botocore's Stubber, scoped to named operations.

Every canned response is validated against the real AWS service model (that is Stubber's
job); other operations, and these once their script is used up, go to moto as usual. Nothing
of jenkinsctl is patched: the stubber sits on the boto3 client, below our AWS wrapper."""

from __future__ import annotations

from botocore.stub import Stubber


class ScopedStubber(Stubber):
    """A Stubber that answers only `operations` (e.g. {"DescribeServices"}) from its queue, and
    lets every other call, and these once the queue is empty, reach the real endpoint."""

    def __init__(self, client, operations: set[str]):
        super().__init__(client)
        self.operations = set(operations)
        self.service = client.meta.service_model.service_id.hyphenize()

    def _events(self):
        for op in sorted(self.operations):
            yield (f"before-parameter-build.{self.service}.{op}", self._assert_expected_params, f"{id(self)}-p-{op}")
            yield (f"before-call.{self.service}.{op}", self._get_response_handler, f"{id(self)}-c-{op}")

    def activate(self):
        for event, handler, uid in self._events():
            register = self.client.meta.events.register_first if "parameter" in event else self.client.meta.events.register
            register(event, handler, unique_id=uid)

    def deactivate(self):
        for event, handler, uid in self._events():
            self.client.meta.events.unregister(event, handler, unique_id=uid)

    def _assert_expected_params(self, model, params, context, **kwargs):
        if self._queue:
            super()._assert_expected_params(model, params, context, **kwargs)

    def _get_response_handler(self, model, params, context, **kwargs):
        if not self._queue:
            return None  # script used up: the real endpoint answers
        return super()._get_response_handler(model, params, context, **kwargs)


def scoped(clients, service: str, operations: set[str]) -> ScopedStubber:
    """An active ScopedStubber on `clients`' boto3 client for `service`."""
    stub = ScopedStubber(clients.service(service).raw, operations)
    stub.activate()
    return stub


def capture(clients, service: str, operation: str) -> list[dict]:
    """Record the parameters of every `operation` call (observation only)."""
    seen: list[dict] = []
    raw = clients.service(service).raw
    name = raw.meta.service_model.service_id.hyphenize()
    raw.meta.events.register(f"provide-client-params.{name}.{operation}",
                             lambda params, **_: seen.append(dict(params)), unique_id=f"capture-{id(seen)}")
    return seen
