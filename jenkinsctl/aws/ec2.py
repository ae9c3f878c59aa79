"""EC2: the agent fleet's launch templates, instance types' sizes and instance tags; and the
VPC, subnets and security group the sandbox's infrastructure helper creates."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from jenkinsctl.aws.session import Service
from jenkinsctl.errors import AwsError


@dataclass(frozen=True)
class InstanceShape:
    name: str
    cpu: int  # ECS cpu units (1024 per vCPU)
    memory: int  # MiB available to tasks (a share is kept for the OS and the ECS agent)


def _tags(items) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def name_tags(name: str, **more: str) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in {"Name": name, **more}.items()]


class Ec2(Service):
    name = "ec2"
    PLANNED = frozenset({"create_launch_template", "create_launch_template_version", "modify_launch_template",
                         "delete_launch_template"})

    # ---- the agent fleet ----

    def launch_templates(self, tag_key: str, tag_value: str) -> dict[str, dict]:
        """Launch templates tagged `tag_key=tag_value`: name -> normalized latest version + meta."""
        out: dict[str, dict] = {}
        found = self._call("describe_launch_templates", Filters=[{"Name": f"tag:{tag_key}", "Values": [tag_value]}])
        for lt in found["LaunchTemplates"]:
            name = lt["LaunchTemplateName"]
            latest = self._call("describe_launch_template_versions", LaunchTemplateName=name, Versions=["$Latest"])
            data = latest["LaunchTemplateVersions"][0]["LaunchTemplateData"]
            raw_ud = data.get("UserData") or ""
            try:
                ud = base64.b64decode(raw_ud).decode()
            except ValueError:
                ud = raw_ud
            out[name] = {
                "imageId": data.get("ImageId"),
                "instanceProfile": (data.get("IamInstanceProfile") or {}).get("Name"),
                "securityGroups": sorted(data.get("SecurityGroupIds") or []),
                "userData": ud,
                "httpTokens": (data.get("MetadataOptions") or {}).get("HttpTokens"),
                "hopLimit": (data.get("MetadataOptions") or {}).get("HttpPutResponseHopLimit"),
                "tags": _tags(lt.get("Tags")),
                "_latestVersion": int(lt["LatestVersionNumber"]),
            }
        return out

    def instance_shapes(self, types: list[str]) -> dict[str, InstanceShape]:
        found = self._call("describe_instance_types", InstanceTypes=list(types))["InstanceTypes"]
        out = {}
        for it in found:
            vcpu = it["VCpuInfo"]["DefaultVCpus"]
            mem = it["MemoryInfo"]["SizeInMiB"]
            out[it["InstanceType"]] = InstanceShape(it["InstanceType"], vcpu * 1024, int(mem * 0.9))
        missing = set(types) - set(out)
        if missing:
            raise AwsError(f"EC2 does not know instance type(s) {', '.join(sorted(missing))}",
                           "fix agents.instanceTypes")
        return out

    def instance_tags(self, instance_ids: list[str]) -> dict[str, dict[str, str]]:
        """Instance id -> its tags: one call ({} for no ids, no call)."""
        if not instance_ids:
            return {}
        out: dict[str, dict[str, str]] = {}
        for res in self._call("describe_instances", InstanceIds=list(instance_ids))["Reservations"]:
            for inst in res["Instances"]:
                out[inst["InstanceId"]] = _tags(inst.get("Tags"))
        return out

    def tag(self, resource_id: str, tags: dict[str, str]) -> None:
        self._call("create_tags", Resources=[resource_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def untag(self, resource_id: str, key: str) -> None:
        self._call("delete_tags", Resources=[resource_id], Tags=[{"Key": key}])

    # ---- networks (the sandbox's infrastructure helper) ----

    def vpc_named(self, name: str) -> str | None:
        vpcs = self._call("describe_vpcs", Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
        return vpcs[0]["VpcId"] if vpcs else None

    def create_vpc(self, cidr: str, tags: list[dict]) -> str:
        vpc_id = self._call("create_vpc", CidrBlock=cidr)["Vpc"]["VpcId"]
        self._call("create_tags", Resources=[vpc_id], Tags=tags)
        return vpc_id

    def enable_dns(self, vpc_id: str) -> None:
        """DNS support and hostnames on (awsvpc tasks need hostnames)."""
        self._call("modify_vpc_attribute", VpcId=vpc_id, EnableDnsSupport={"Value": True})
        self._call("modify_vpc_attribute", VpcId=vpc_id, EnableDnsHostnames={"Value": True})

    def subnets(self, vpc_id: str) -> list[str]:
        found = self._call("describe_subnets", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        return [s["SubnetId"] for s in found]

    def create_subnet(self, vpc_id: str, cidr: str, zone: str) -> str:
        return self._call("create_subnet", VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]

    def security_group(self, vpc_id: str, name: str) -> str | None:
        found = self._call("describe_security_groups", Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                                {"Name": "group-name", "Values": [name]}])
        groups = found["SecurityGroups"]
        return groups[0]["GroupId"] if groups else None

    def create_security_group(self, vpc_id: str, name: str, description: str) -> str:
        return self._call("create_security_group", GroupName=name, Description=description, VpcId=vpc_id)["GroupId"]
