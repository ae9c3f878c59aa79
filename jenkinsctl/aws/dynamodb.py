"""DynamoDB: the agent fleet's shared state (drain ledger, scaler memory): one table, items as
plain dicts, conditional writes that answer False instead of raising when the condition fails."""

from __future__ import annotations

from typing import Any

from jenkinsctl.aws.session import AwsError, AwsNotFound, Service


def _to(value: Any) -> dict:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {k: _to(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [_to(v) for v in value]}
    return {"S": str(value)}


def _from(av: dict) -> Any:
    (kind, v), = av.items()
    if kind == "N":
        return float(v) if any(c in v for c in ".eE") else int(v)
    if kind == "M":
        return {k: _from(x) for k, x in v.items()}
    if kind == "L":
        return [_from(x) for x in v]
    if kind == "NULL":
        return None
    return v


def to_item(data: dict) -> dict:
    return {k: _to(v) for k, v in data.items()}


def from_item(item: dict) -> dict:
    return {k: _from(v) for k, v in item.items()}


class DynamoDb(Service):
    name = "dynamodb"
    PLANNED = frozenset({"create_table", "update_time_to_live", "tag_resource", "delete_table"})

    def table(self, name: str) -> dict | None:
        """The table `name`, normalized: key, billing mode, TTL attribute, status; None if absent."""
        try:
            t = self._call("describe_table", TableName=name)["Table"]
        except AwsNotFound:
            return None
        ttl = self._call("describe_time_to_live", TableName=name).get("TimeToLiveDescription", {})
        tags = self._call("list_tags_of_resource", ResourceArn=t["TableArn"]).get("Tags", [])
        return {"key": [k["AttributeName"] for k in t["KeySchema"]],
                "billing": (t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
                "ttlAttribute": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
                else None, "tags": {x["Key"]: x["Value"] for x in tags}, "_status": t.get("TableStatus"),
                "_arn": t["TableArn"]}

    def get(self, table: str, key: dict) -> dict | None:
        got = self._call("get_item", TableName=table, Key=to_item(key), ConsistentRead=True).get("Item")
        return from_item(got) if got else None

    def put(self, table: str, item: dict) -> None:
        """Write `item` whatever is there (last writer wins)."""
        self._call("put_item", TableName=table, Item=to_item(item))

    def put_new(self, table: str, item: dict, key_attr: str = "pk") -> bool:
        """Write `item` unless an item with its key exists; False when one did (nothing changed)."""
        return self._conditional("put_item", TableName=table, Item=to_item(item),
                                 ConditionExpression="attribute_not_exists(#k)",
                                 ExpressionAttributeNames={"#k": key_attr})

    def update_if(self, table: str, key: dict, expect: dict, values: dict) -> bool:
        """Set `values` on the item `key` only if its attributes equal `expect`; False otherwise."""
        names, vals, sets, conds = {}, {}, [], []
        for i, (k, v) in enumerate(values.items()):
            names[f"#s{i}"], vals[f":s{i}"] = k, _to(v)
            sets.append(f"#s{i} = :s{i}")
        for i, (k, v) in enumerate(expect.items()):
            names[f"#c{i}"], vals[f":c{i}"] = k, _to(v)
            conds.append(f"#c{i} = :c{i}")
        params: dict = {"TableName": table, "Key": to_item(key), "UpdateExpression": "SET " + ", ".join(sets),
                        "ExpressionAttributeNames": names, "ExpressionAttributeValues": vals}
        if conds:
            params["ConditionExpression"] = " AND ".join(conds)
        return self._conditional("update_item", **params)

    def query_prefix(self, table: str, kind: str) -> list[dict]:
        """Every item whose `kind` attribute is `kind` (a scan: the ledger stays small, TTL trims it)."""
        out = []
        for page in self._pages("scan", "LastEvaluatedKey", TableName=table, FilterExpression="#t = :t",
                                ExpressionAttributeNames={"#t": "kind"}, ExpressionAttributeValues={":t": {"S": kind}},
                                ConsistentRead=True):
            out += [from_item(i) for i in page.get("Items", [])]
        return out

    def _conditional(self, operation: str, **params) -> bool:
        try:
            self._call(operation, **params)
        except AwsError as exc:
            if "ConditionalCheckFailed" in exc.message:
                return False
            raise
        return True
