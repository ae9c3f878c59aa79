"""What blue-green and canary need but the sandbox lacks until someone creates it: ECS clusters,
a VPC (DNS hostnames on), subnets, a security group, and per environment an ALB with a
listener and a test listener. Idempotent by Name tags. Returns the settings to write into
`environments.<env>` of a scratch jenkinsctl.yaml (`write_settings`)."""

from __future__ import annotations

from pathlib import Path

TAG = "jenkinsctl-sandbox"


def _tagged(name: str) -> list[dict]:
    return [{"Key": "Name", "Value": name}, {"Key": "managed-by", "Value": TAG}]


def create(clients, environments: dict[str, str], cidr: str = "10.42.0.0/16") -> dict[str, dict]:
    """environments: env name -> cluster. Returns env -> {"network": ..., "loadBalancer": ...} (camelCase)."""
    ec2, ecs, elb = clients.ec2, clients.ecs, clients.elbv2
    for cluster in sorted(set(environments.values())):
        ecs.create_cluster(cluster)  # idempotent in ECS
    vpc_id = ec2.vpc_named(TAG) or ec2.create_vpc(cidr, _tagged(TAG))
    ec2.enable_dns(vpc_id)
    subnets = ec2.subnets(vpc_id)
    if len(subnets) < 2:
        prefix = cidr.split(".")[:2]
        subnets = [ec2.create_subnet(vpc_id, ".".join(prefix + [str(i), "0/24"]), f"{clients.region}{az}")
                   for i, az in ((1, "a"), (2, "b"))]
    subnet_ids = sorted(subnets)[:2]
    sg = ec2.security_group(vpc_id, TAG) or ec2.create_security_group(vpc_id, TAG, "jenkinsctl sandbox services")
    out: dict[str, dict] = {}
    for env in environments:
        name = f"sandbox-{env}"[:32]
        lb_arn = elb.load_balancer_arn(name) or elb.create_load_balancer(name, subnet_ids, [sg])
        listeners = elb.listeners(lb_arn)
        for port in (80, 8080):
            if port not in listeners:
                listeners[port] = elb.create_listener(lb_arn, port)
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

    from jenkinsctl.factory import Factory

    args = sys.argv[1:] if argv is None else argv
    factory = Factory(os.environ, args[0] if args else None)
    loaded = factory.config()
    config = loaded.config
    if not config.aws.endpoint_url:
        raise SystemExit("refusing: no aws.endpointUrl (the sandbox's moto); this creates VPCs and load balancers")
    clients = factory.aws(config)
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
