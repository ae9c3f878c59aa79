"""EC2 and SSM reads the agent fleet needs: the ECS-optimized AMI, launch templates, instance
types' sizes and spot prices."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from jenkinsctl.aws.session import AwsNotFound
from jenkinsctl.errors import AwsError


def ecs_ami(ssm, parameter: str) -> str:
    """The AMI id a public SSM parameter names (e.g. the recommended ECS-optimized AMI)."""
    try:
        value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    except AwsNotFound as exc:
        raise AwsError(f"SSM parameter {parameter} does not exist in this region",
                       "set agents.amiParameter to a public ECS-optimized AMI parameter, e.g. "
                       "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id") from exc
    if value.startswith("{"):  # the .../recommended parameter is a JSON document
        import json

        value = json.loads(value).get("image_id", value)
    return value


def launch_templates(ec2, tag_key: str, tag_value: str) -> dict[str, dict]:
    """Launch templates tagged `tag_key=tag_value`: name -> normalized latest version + meta."""
    out: dict[str, dict] = {}
    found = ec2.describe_launch_templates(Filters=[{"Name": f"tag:{tag_key}", "Values": [tag_value]}])
    for lt in found["LaunchTemplates"]:
        name = lt["LaunchTemplateName"]
        latest = ec2.describe_launch_template_versions(LaunchTemplateName=name, Versions=["$Latest"])
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
            "tags": {t["Key"]: t["Value"] for t in lt.get("Tags", [])},
            "_latestVersion": int(lt["LatestVersionNumber"]),
        }
    return out


@dataclass(frozen=True)
class InstanceShape:
    name: str
    cpu: int  # ECS cpu units (1024 per vCPU)
    memory: int  # MiB available to tasks (a share is kept for the OS and the ECS agent)


def instance_shapes(ec2, types: list[str]) -> dict[str, InstanceShape]:
    found = ec2.describe_instance_types(InstanceTypes=list(types))["InstanceTypes"]
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
