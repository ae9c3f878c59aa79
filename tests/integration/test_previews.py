"""Preview environments on the sandbox (moto: ECS, ELBv2, IAM, Logs, SSM): a branch of orders-api
gets its own ECS service, task definition family, target group and host rule on dev's load
balancer, all tagged; dev's own resources are untouched; `down` and `env gc` remove everything."""

from __future__ import annotations

import datetime as dt
import subprocess

from deploy_support import image, sandbox  # noqa: F401  (fixture)

from jenkinsctl.previews import manager
from jenkinsctl.previews.naming import env_name, slug

BRANCH = "feature/login"


def _tagged(aws, key="preview-of") -> dict[str, list[str]]:
    """Every resource in moto carrying the tag `key`, by kind."""
    out = {}
    ecs, elb, logs, iam = (getattr(aws, s).raw for s in ("ecs", "elbv2", "logs", "iam"))
    arns = ecs.list_services(cluster="dev")["serviceArns"]
    if arns:
        svcs = ecs.describe_services(cluster="dev", services=arns, include=["TAGS"])["services"]
        out["ecs"] = [s["serviceName"] for s in svcs if s["status"] == "ACTIVE"
                      and any(t["key"] == key for t in s.get("tags", []))]
    groups = elb.describe_target_groups()["TargetGroups"]
    if groups:
        tags = elb.describe_tags(ResourceArns=[g["TargetGroupArn"] for g in groups])["TagDescriptions"]
        out["tg"] = [d["ResourceArn"] for d in tags if any(t["Key"] == key for t in d["Tags"])]
    out["logs"] = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]
                   if key in logs.list_tags_log_group(logGroupName=g["logGroupName"]).get("tags", {})]
    out["roles"] = [r["RoleName"] for r in iam.list_roles()["Roles"]
                    if any(t["Key"] == key for t in iam.get_role(RoleName=r["RoleName"])["Role"].get("Tags", []))]
    return {k: v for k, v in out.items() if v}


def test_names_fit_aws_limits():
    long = "feature/JIRA-12345-a-very-long-branch-name-that-goes-on-and-on-and-on-and-on"
    assert len(slug(long)) <= 20 and slug(long) == slug(long) and slug(long) != slug(long + "x")
    assert slug("Feature/Login_Page") == "feature-login-page"
    assert env_name(BRANCH) == "pv-feature-login"


def test_a_branch_gets_its_own_preview_and_down_removes_all_of_it(sandbox):  # noqa: F811
    svc = sandbox.service("orders-api")
    sandbox.deploy("orders-api", "dev", 1, "1.0.0")
    listener = svc.environment("dev").load_balancer.listener_arn

    def dev_state():  # dev's own service and listener rules, as the preview must leave them
        found = sandbox.clients.ecs.raw.describe_services(cluster="dev", services=["orders-api"])["services"]
        rules = sandbox.clients.elbv2.raw.describe_rules(ListenerArn=listener)["Rules"]
        return [(s["taskDefinition"], s["loadBalancers"]) for s in found], \
            {r["RuleArn"]: (r["Conditions"], r["Actions"]) for r in rules}

    dev_before = dev_state()
    assert dev_before[0] and len(dev_before[1]) == 2  # dev's service and its rule (beside the default)
    lines = []
    manager.up(sandbox.clients, svc, BRANCH, image(svc, 2), "1.1.0-feature-login.1", "sha2", lines.append,
               interval=0.01, timeout=10, health="ecs")
    ecs, elb = sandbox.clients.ecs.raw, sandbox.clients.elbv2.raw
    preview = ecs.describe_services(cluster="dev", services=["orders-api-pv-feature-login"])["services"][0]
    assert preview["status"] == "ACTIVE" and preview["taskDefinition"].rsplit("/", 1)[-1].startswith(
        "orders-api-pv-feature-login:")
    rules = [r for r in elb.describe_rules(ListenerArn=listener)["Rules"] if not r["IsDefault"]]
    ours = [r for r in rules if r["RuleArn"] not in dev_before[1]]
    assert len(ours) == 1  # reachable by its host rule: the host header -> the preview's target group -> its tasks
    assert {v for c in ours[0]["Conditions"] for v in c.get("HostHeaderConfig", {}).get("Values", [])} == \
        {"feature-login.orders-api.dev.example.com"}
    forwarded = {t["TargetGroupArn"] for a in ours[0]["Actions"] for t in a["ForwardConfig"]["TargetGroups"]}
    assert forwarded == {lb["targetGroupArn"] for lb in preview["loadBalancers"]}
    assert elb.describe_target_groups(TargetGroupArns=list(forwarded))["TargetGroups"][0]["TargetGroupName"] == \
        "orders-api-pv-feature-login"
    assert [p.branch for p in manager.list_previews(sandbox.clients, svc)] == [BRANCH]
    assert _tagged(sandbox.clients)  # everything it made carries the tag
    services, rules_now = dev_state()
    assert services == dev_before[0] and {a: rules_now[a] for a in dev_before[1]} == dev_before[1]  # untouched

    manager.down(sandbox.clients, svc, BRANCH, lines.append)
    assert _tagged(sandbox.clients) == {}
    assert dev_state() == dev_before
    assert manager.list_previews(sandbox.clients, svc) == []
    assert sandbox.clients.ssm.raw.get_parameters_by_path(
        Path="/jenkinsctl/orders-api/pv-feature-login", Recursive=True)["Parameters"] == []


def test_gc_removes_previews_of_deleted_branches_and_expired_ones(sandbox, tmp_path):  # noqa: F811
    svc = sandbox.service("orders-api")
    repo = tmp_path / "orders-api.git"
    subprocess.run(["git", "init", "--bare", "-q", str(repo)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(repo), str(work)], check=True)
    git = lambda *a: subprocess.run(["git", "-C", str(work), *a], check=True, capture_output=True)  # noqa: E731
    git("-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "--allow-empty", "-m", "init")
    for b in ("main", "feature/login", "feature/cart"):
        git("push", "-q", "origin", f"HEAD:refs/heads/{b}")
    svc = svc.model_copy(update={"repo": str(repo)})
    t0 = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    for b in ("feature/login", "feature/cart"):
        manager.up(sandbox.clients, svc, b, image(svc, 3), "1.1.0", "sha3", lambda _: None, interval=0.01,
                   timeout=10, health="ecs", now=t0)
    git("push", "-q", "origin", ":refs/heads/feature/login")  # the branch is deleted
    lines = []
    gone = manager.gc(sandbox.clients, svc, lines.append, now=t0 + dt.timedelta(hours=1))
    assert [p.branch for p in gone] == ["feature/login"]
    assert [p.branch for p in manager.list_previews(sandbox.clients, svc)] == ["feature/cart"]
    gone = manager.gc(sandbox.clients, svc, lines.append, now=t0 + dt.timedelta(hours=73))  # ttlHours 72
    assert [p.branch for p in gone] == ["feature/cart"] and _tagged(sandbox.clients) == {}
