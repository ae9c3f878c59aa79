"""Lambda: whether the functions a deployment's lifecycle hooks name exist."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsNotFound, Service


class Lambdas(Service):
    name = "lambda"

    def exists(self, function_arn: str) -> bool:
        try:
            self._call("get_function", FunctionName=function_arn)
        except AwsNotFound:
            return False
        return True
