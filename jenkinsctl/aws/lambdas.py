"""Lambda: whether the functions a deployment's lifecycle hooks name exist."""

from __future__ import annotations

from jenkinsctl.aws.session import Service


class Lambdas(Service):
    name = "lambda"

    def exists(self, function_arn: str) -> bool:
        return self._found("get_function", FunctionName=function_arn)
