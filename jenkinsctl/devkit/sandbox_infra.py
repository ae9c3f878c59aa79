"""What blue-green and canary need but the sandbox lacks until someone creates it: ECS clusters,
a VPC (DNS hostnames on), subnets, a security group, and per environment an ALB with a
listener and a test listener. Idempotent by Name tags. Returns the settings to write into
`environments.<env>` of a scratch jenkinsctl.yaml (`write_settings`)."""

from __future__ import annotations

from pathlib import Path

from jenkinsctl.aws.session import AwsNotFound

TAG = "jenkinsctl-sandbox"


def _tagged(name: str) -> list[dict]:
    return [{"Key": "Name", "Value": name}, {"Key": "managed-by", "Value": TAG}]


def create(clients, environments: dict[str, str], cidr: str = "10.42.0.0/16") -> dict[str, dict]:
    """environments: env name -> cluster. Returns env -> {"network": ..., "loadBalancer": ...} (camelCase)."""
    ec2, ecs, elb = clients.client("ec2"), clients.client("ecs"), clients.client("elbv2")
    for cluster in sorted(set(environments.values())):
        ecs.create_cluster(clusterName=cluster)  # idempotent in ECS
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [TAG]}])["Vpcs"]
    if vpcs:
        vpc_id = vpcs[0]["VpcId"]
    else:
        vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc_id], Tags=_tagged(TAG))
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    if len(subnets) < 2:
        region = clients.region
        prefix = cidr.split(".")[:2]
        subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=".".join(prefix + [str(i), "0/24"]),
                                     AvailabilityZone=f"{region}{az}")["Subnet"] for i, az in ((1, "a"), (2, "b"))]
    subnet_ids = sorted(s["SubnetId"] for s in subnets)[:2]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                   {"Name": "group-name", "Values": [TAG]}])["SecurityGroups"]
    sg = groups[0]["GroupId"] if groups else ec2.create_security_group(
        GroupName=TAG, Description="jenkinsctl sandbox services", VpcId=vpc_id)["GroupId"]
    out: dict[str, dict] = {}
    for env in environments:
        name = f"sandbox-{env}"[:32]
        try:
            lb = elb.describe_load_balancers(Names=[name])["LoadBalancers"][0]
        except AwsNotFound:
            lb = elb.create_load_balancer(Name=name, Subnets=subnet_ids, SecurityGroups=[sg], Scheme="internal",
                                          Type="application")["LoadBalancers"][0]
        listeners = {l["Port"]: l["ListenerArn"] for l in
                     elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
        for port in (80, 8080):
            if port not in listeners:
                listeners[port] = elb.create_listener(
                    LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                    DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {
                        "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no route"}}],
                )["Listeners"][0]["ListenerArn"]
        out[env] = {"network": {"vpcId": vpc_id, "subnets": subnet_ids, "securityGroups": [sg]},
                    "loadBalancer": {"listenerArn": listeners[80], "testListenerArn": listeners[8080]}}
    return out


def write_settings(config_path: Path, settings: dict[str, dict]) -> None:
    """Merge the settings into `environments.<env>` of a (scratch) jenkinsctl.yaml."""
    import yaml

    data = yaml.safe_load(config_path.read_text())
    for env, values in settings.items():
        data["environments"].setdefault(env, {}).update(values)
    config_path.write_text(yaml.safe_dump(data, sort_keys=False))


def main(argv: list[str] | None = None) -> None:
    """`python -m jenkinsctl.devkit.sandbox_infra [CONFIG]`: create the infrastructure on the
    sandbox's moto (aws.endpointUrl / $JENKINSCTL_AWS_ENDPOINT_URL) and write the settings into
    CONFIG (default $JENKINSCTL_CONFIG). For scratch copies only: it rewrites the file."""
    import os
    import sys

    from jenkinsctl.aws.session import AwsClients
    from jenkinsctl.config.loader import load_config

    args = sys.argv[1:] if argv is None else argv
    loaded = load_config(args[0] if args else None, os.environ)
    config = loaded.config
    if not config.aws.endpoint_url:
        raise SystemExit("refusing: no aws.endpointUrl (the sandbox's moto); this creates VPCs and load balancers")
    clients = AwsClients.from_config(config, os.environ)
    settings = create(clients, {name: env.cluster for name, env in config.environments.items()})
    write_settings(loaded.path, settings)
    for env, values in settings.items():
        print(f"{env}: vpc {values['network']['vpcId']}, subnets {', '.join(values['network']['subnets'])}, "
              f"listener {values['loadBalancer']['listenerArn'].rsplit('/', 1)[-1]}, "
              f"test listener {values['loadBalancer']['testListenerArn'].rsplit('/', 1)[-1]}")


if __name__ == "__main__":
    import sys

    from jenkinsctl.errors import JenkinsctlError

    try:
        main()
    except JenkinsctlError as exc:  # a bad or missing config: the message, not a traceback
        print(exc.render(), file=sys.stderr)
        sys.exit(exc.exit_code)
