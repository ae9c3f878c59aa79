"""A CI build of a branch through the CLI (`step deploy --branch`, what the Jenkinsfile runs) and
`jenkinsctl env`: the main branch deploys to the first environment, another branch of orders-api
to its preview, a branch of a service without previews nowhere."""

from __future__ import annotations

from deploy_support import image, sandbox  # noqa: F401  (fixture)


def test_branch_builds_deploy_where_the_descriptor_says(cli, sandbox, moto_endpoint):  # noqa: F811
    env = {"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint}
    orders, worker = sandbox.service("orders-api"), sandbox.service("invoice-worker")
    tagged = image(orders, 5).replace("@", ":1.1.0-feature-login.1@")  # <repo>:<version>@<digest>
    args = ("--image", tagged, "--poll-interval", "0")
    branch = cli("step", "deploy", "--service", "orders-api", "--branch", "feature/login", *args,
                 cwd=sandbox.project, env=env)
    assert branch.code == 0, branch.err
    assert "preview of orders-api for branch feature/login: environment pv-feature-login from dev, host " \
           "feature-login.orders-api.dev.example.com" in branch.err
    assert "ENVIRONMENT=pv-feature-login" in branch.out and "BRANCH=feature/login" in branch.out
    listed = cli("env", "list", "orders-api", cwd=sandbox.project, env=env)
    assert listed.code == 0 and "feature/login" in listed.out and "expires in 72h" in listed.out
    main = cli("step", "deploy", "--service", "orders-api", "--branch", "main", *args, cwd=sandbox.project, env=env)
    assert main.code == 0 and "ENVIRONMENT=dev" in main.out
    nowhere = cli("step", "deploy", "--service", "invoice-worker", "--branch", "fix/x", "--image", image(worker, 5),
                  cwd=sandbox.project, env=env)
    assert nowhere.code == 0 and "OUTCOME=skipped" in nowhere.out and "previews are off for invoice-worker" in nowhere.err
    dry = cli("env", "down", "orders-api", "--branch", "feature/login", "--dry-run", cwd=sandbox.project, env=env)
    assert dry.code == 0 and "- delete ecs-service orders-api-pv-feature-login" in dry.err
    assert "- delete target-group orders-api-pv-feature-login" in dry.err
    down = cli("env", "down", "orders-api", "--branch", "feature/login", cwd=sandbox.project, env=env)
    assert down.code == 0 and "removed preview pv-feature-login of orders-api" in down.err
    assert cli("env", "list", cwd=sandbox.project, env=env).out == ""
    both = cli("step", "deploy", "--service", "orders-api", "--env", "dev", "--branch", "x", cwd=sandbox.project, env=env)
    assert both.code == 2 and "give one of --env ENV or --branch BRANCH" in both.err
