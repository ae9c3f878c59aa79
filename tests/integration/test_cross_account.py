"""Environments in other AWS accounts, on moto: moto's sts:AssumeRole hands out credentials of the
role's account (the role need not exist), and every later call with them reads and writes that
account's resources. So a deploy to prod through `roleArn: arn:aws:iam::222222222222:role/...` must
leave its ECS service, IAM roles, log group and SSM records in 222222222222 and nothing in the
default account 123456789012; a promotion into prod's own registry must log in with prod's ECR
token (moto's token names the account: `222222222222-auth-token`)."""

from __future__ import annotations

import json

import pytest
import yaml
from botocore.stub import Stubber

from deploy_support import image, sandbox, tagged  # noqa: F401  (fixture)
from jenkinsctl.aws.session import AwsClients, session_name
from jenkinsctl.factory import Factory
from jenkinsctl.devkit import sandbox_infra
from jenkinsctl.errors import AwsError
from support import free_port

PROD = "222222222222"
ROLE = f"arn:aws:iam::{PROD}:role/jenkinsctl-deploy"
SERVICE = "invoice-worker"
REPO_NAME = "billing/invoice-worker"


def set_env(project, name: str, **values) -> None:
    path = project / "jenkinsctl.yaml"
    data = yaml.safe_load(path.read_text())
    data["environments"][name].update(values)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def in_prod(aws, sandbox) -> AwsClients:  # noqa: F811
    """Clients in prod's account, through the role, as the tests' own view of that account."""
    return aws.for_environment(sandbox.service(SERVICE).environment("prod"), SERVICE)


@pytest.fixture
def prod_account(sandbox, aws, moto_endpoint):  # noqa: F811
    """prod of the scratch config moved to account 222222222222 (roleArn only: its accountId follows
    the role), with its own cluster, VPC and subnets created there (the default account's subnets
    do not exist in it: moto answers InvalidSubnetID.NotFound); the CLI environment."""
    set_env(sandbox.project, "prod", roleArn=ROLE, externalId="jenkinsctl-prod")
    sandbox_infra.write_settings(sandbox.project / "jenkinsctl.yaml",
                                 sandbox_infra.create(in_prod(aws, sandbox), {"prod": "prod"}))
    return {"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint, "JENKINSCTL_SERVICE": SERVICE,
            "JENKINSCTL_APPROVED_BY": "alice", "BUILD_TAG": "jenkins-billing-invoice-worker-deploy-prod-42"}


def deploy_prod(cli, sandbox, env, n: int, version: str, *extra):  # noqa: F811
    return cli(*extra, "step", "deploy", "--env", "prod", "--image", image(sandbox.service(SERVICE), n, version),
               "--poll-interval", "0", "--timeout", "20", cwd=sandbox.project, env=env)


def test_a_deploy_through_the_environments_role_acts_in_its_account_only(cli, sandbox, aws, prod_account):  # noqa: F811
    env = prod_account
    svc = sandbox.service(SERVICE)
    assert svc.environment("prod").account_id == PROD  # derived from roleArn

    dry = deploy_prod(cli, sandbox, env, 1, "1.0.0", "--dry-run")
    assert dry.code == 0, dry.err
    assert f"  in account {PROD} (us-east-1) through role {ROLE} (with external ID)" in dry.err
    assert in_prod(aws, sandbox).ecs.raw.describe_services(cluster="prod", services=[SERVICE])["services"] == []

    assert deploy_prod(cli, sandbox, env, 1, "1.0.0").code == 0
    second = deploy_prod(cli, sandbox, env, 2, "1.1.0")
    assert second.code == 0, second.err

    prod = in_prod(aws, sandbox)
    live = prod.ecs.raw.describe_services(cluster="prod", services=[SERVICE])["services"][0]
    assert live["taskDefinition"] == f"arn:aws:ecs:us-east-1:{PROD}:task-definition/{SERVICE}-prod:2"
    td = prod.ecs.raw.describe_task_definition(taskDefinition=live["taskDefinition"])["taskDefinition"]
    assert td["executionRoleArn"] == f"arn:aws:iam::{PROD}:role/{SERVICE}-prod-execution"
    assert prod.iam.raw.get_role(RoleName=f"{SERVICE}-prod-task")["Role"]["Arn"].startswith(f"arn:aws:iam::{PROD}:")
    assert prod.logs.raw.describe_log_groups(logGroupNamePrefix=f"/ecs/{SERVICE}/prod")["logGroups"]
    record = json.loads(prod.ssm.raw.get_parameter(Name=f"/jenkinsctl/{SERVICE}/prod/last-known-good")
                        ["Parameter"]["Value"])
    assert record["version"] == "1.1.0"

    # nothing of prod in the default account (where the sandbox created an empty `prod` cluster)
    assert aws.ecs.raw.describe_services(cluster="prod", services=[SERVICE])["services"] == []
    assert aws.ssm.raw.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith",
                                                          "Values": [f"/jenkinsctl/{SERVICE}/prod"]}])["Parameters"] == []
    assert aws.logs.raw.describe_log_groups(logGroupNamePrefix=f"/ecs/{SERVICE}/prod")["logGroups"] == []
    assert aws.ecs.raw.list_task_definitions(familyPrefix=f"{SERVICE}-prod")["taskDefinitionArns"] == []

    # rollback reads prod's history in prod's account and deploys there
    back = cli("step", "rollback", "--env", "prod", "--poll-interval", "0", "--timeout", "20",
               cwd=sandbox.project, env=env)
    assert back.code == 0, back.err
    assert f"  in account {PROD} (us-east-1) through role {ROLE} (with external ID)" in back.err
    live = prod.ecs.raw.describe_services(cluster="prod", services=[SERVICE])["services"][0]
    assert live["taskDefinition"].endswith(f"{SERVICE}-prod:1")

    status = cli("pipeline", "status", SERVICE, cwd=sandbox.project, env=env)
    assert status.code == 0, status.err
    prod_line = next(line for line in status.out.splitlines() if line.strip().startswith("prod"))
    assert "1.0.0" in prod_line and f"{SERVICE}-prod:1" in prod_line and "2/2" in prod_line


def resolved(project):
    from jenkinsctl.workspace import Workspace

    return Workspace.load(project / "jenkinsctl.yaml", {}, project).service(SERVICE).resolved


def test_the_role_session_names_jenkinsctl_the_service_and_the_build(project, moto_endpoint):
    set_env(project, "prod", roleArn=ROLE)
    own = Factory({"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint, "BUILD_TAG": "jenkins-billing-deploy-prod-42"}
                  ).aws(region="us-east-1", max_attempts=1)
    prod_env = resolved(project).environment("prod")
    clients = own.for_environment(prod_env, SERVICE)
    arn = clients.sts.caller_arn()
    assert arn == f"arn:aws:sts::{PROD}:assumed-role/jenkinsctl-deploy/jenkinsctl.invoice-worker." \
                  "jenkins-billing-deploy-prod-42"
    # one role session per role: the same clients for the environment, one AssumeRole call in all
    assert own.for_environment(prod_env, SERVICE) is clients
    clients.ssm.exists("/any")
    assert own.sts.calls == ["assume_role"]
    # an environment without a role uses the factory's own credentials: no STS at all
    assert own.for_environment(resolved(project).environment("dev"), SERVICE) is own
    long_tag = "jenkins-" + "a" * 80 + "-1234"
    name = session_name("invoice-worker", long_tag)
    assert len(name) == 64 and name.startswith("jenkinsctl.invoice-worker.") and name.endswith("a-1234")


def test_access_denied_on_assume_role_names_the_role_and_the_trust_policy(project, moto_endpoint):
    """moto never refuses AssumeRole: the refusal AWS answers is scripted with botocore's Stubber
    on the STS client (validated against the real STS model); nothing of jenkinsctl is patched."""
    set_env(project, "prod", roleArn=ROLE, externalId="jenkinsctl-prod")
    own = Factory({"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint}).aws(region="us-east-1", max_attempts=1)
    clients = own.for_environment(resolved(project).environment("prod"), SERVICE)
    stub = Stubber(own.sts.raw)
    stub.add_client_error("assume_role", "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/"
                          "jenkins-agent/i-0abc is not authorized to perform: sts:AssumeRole on resource: " + ROLE,
                          403, expected_params={"RoleArn": ROLE, "RoleSessionName": "jenkinsctl.invoice-worker",
                                                "DurationSeconds": 3600, "ExternalId": "jenkinsctl-prod"})
    stub.add_response("get_caller_identity", {"UserId": "AROAEXAMPLE:i-0abc", "Account": "123456789012",
                                              "Arn": "arn:aws:sts::123456789012:assumed-role/jenkins-agent/i-0abc"})
    with stub, pytest.raises(AwsError) as caught:
        clients.ecs.raw.describe_clusters(clusters=["prod"])
    assert caught.value.render() == (
        f"error: cannot assume role {ROLE} for environment prod: access denied\n"
        f"  hint: the trust policy of {ROLE} must allow sts:AssumeRole by "
        "arn:aws:sts::123456789012:assumed-role/jenkins-agent/i-0abc with the condition sts:ExternalId equal to "
        f"the environment's externalId, and that identity needs sts:AssumeRole on {ROLE} (docs/iam.md, "
        "\"Environments in other accounts\")")
    stub.assert_no_pending_responses()


@pytest.fixture(scope="module")
def prod_registry(tmp_path_factory):
    """prod's own registry: a second htpasswd registry that accepts only account 222222222222's
    ECR token, as prod's ECR accepts only prod's credentials."""
    from jenkinsctl.sandbox import RegistryServer, SandboxSettings

    settings = SandboxSettings(root=tmp_path_factory.mktemp("prod-registry"), registry_port=free_port(),
                               account_id=PROD)
    server = RegistryServer(settings)
    server.start()
    yield settings
    server.stop()


def test_promote_into_another_accounts_registry_uses_its_token_and_deploys_there(
        cli, sandbox, aws, prod_account, registry, base_image, prod_registry):  # noqa: F811
    reg = registry.client()
    digest = reg.copy_image(reg, base_image.repository, base_image.tag, REPO_NAME, tags=["1.0.0"])
    set_env(sandbox.project, "prod", registry=prod_registry.registry_endpoint)
    env = {**prod_account, "JENKINSCTL_REGISTRY_ENDPOINT": registry.endpoint}
    source = f"{registry.endpoint}/{REPO_NAME}@{digest}"
    dev = cli("step", "deploy", "--env", "dev", "--image", tagged(source, "1.0.0"), "--poll-interval", "0",
              "--timeout", "20", cwd=sandbox.project, env=env)
    assert dev.code == 0, dev.err

    r = cli("step", "promote", "--from", "dev", "--to", "prod", "--deploy", "--json", "--poll-interval", "0",
            "--timeout", "20", cwd=sandbox.project, env=env)
    assert r.code == 0, r.err
    assert "  dev (read): account 123456789012 (us-east-1) with jenkinsctl's own credentials" in r.err
    assert f"  prod (written): account {PROD} (us-east-1) through role {ROLE} (with external ID)" in r.err
    values = json.loads(r.out)
    target = f"{prod_registry.registry_endpoint}/{REPO_NAME}"
    assert (values["METHOD"], values["IMAGE_URI"], values["OUTCOME"]) == ("copy", f"{target}@{digest}", "succeeded")
    prod_reg = prod_registry_client(prod_registry)
    assert prod_reg.manifest_head(REPO_NAME, "1.0.0") == digest
    prod = in_prod(aws, sandbox)
    live = prod.ecs.raw.describe_services(cluster="prod", services=[SERVICE])["services"][0]
    td = prod.ecs.raw.describe_task_definition(taskDefinition=live["taskDefinition"])["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == f"{target}@{digest}"
    assert aws.ecs.raw.describe_services(cluster="prod", services=[SERVICE])["services"] == []


def prod_registry_client(settings):
    from jenkinsctl.registry.client import Registry

    return Registry(settings.registry_endpoint, settings.registry_user, settings.registry_password)
