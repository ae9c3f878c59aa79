"""Route 53: the weighted record set of a DNS blue/green pair (only the calls used)."""

from __future__ import annotations

from dataclasses import dataclass

from jenkinsctl.aws.session import Service


@dataclass(frozen=True)
class Weighted:
    set_id: str
    weight: int
    value: str
    ttl: int


def zone_id(zone: str) -> str:
    return zone.rsplit("/", 1)[-1]


class Route53(Service):
    name = "route53"

    def weights(self, zone: str, record: str) -> dict[str, Weighted]:
        """The weighted CNAME records of `record`, by SetIdentifier: one call."""
        name = record.rstrip(".") + "."
        out = self._call("list_resource_record_sets", HostedZoneId=zone_id(zone), StartRecordName=name,
                                                    StartRecordType="CNAME", MaxItems="20")
        found = {}
        for rrs in out["ResourceRecordSets"]:
            if rrs["Name"] != name or rrs["Type"] != "CNAME" or "SetIdentifier" not in rrs:
                continue
            found[rrs["SetIdentifier"]] = Weighted(rrs["SetIdentifier"], int(rrs.get("Weight", 0)),
                                                   rrs["ResourceRecords"][0]["Value"], int(rrs.get("TTL", 0)))
        return found

    def set_weights(self, zone: str, record: str, ttl: int, records: dict[str, tuple[str, int]]) -> str:
        """UPSERT every record (SetIdentifier -> (value, weight)) in one change batch; the change id."""
        changes = [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": record.rstrip(".") + ".", "Type": "CNAME", "SetIdentifier": set_id, "Weight": weight,
            "TTL": ttl, "ResourceRecords": [{"Value": value}]}} for set_id, (value, weight) in sorted(records.items())]
        out = self._call("change_resource_record_sets", HostedZoneId=zone_id(zone), ChangeBatch={
            "Comment": "jenkinsctl dns-blue-green", "Changes": changes})
        return out["ChangeInfo"]["Id"]

    def in_sync(self, change_id: str) -> bool:
        return self._call("get_change", Id=change_id)["ChangeInfo"]["Status"] == "INSYNC"
