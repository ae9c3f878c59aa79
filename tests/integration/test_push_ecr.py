"""The ECR repository plan against moto: created with immutable tags, scan on push and the
lifecycle policy; a second plan is empty; drift is planned back; the token decodes."""

from __future__ import annotations

import json

def test_repository_plan_apply_then_nothing_to_do(aws):
    client = aws.ecr
    plan = client.plan_repository("payments/orders-api", keep=50, untagged_days=3)
    assert [c.method for c in plan] == ["create_repository", "put_lifecycle_policy"]
    assert plan[0].render() == ("ecr.create_repository(repositoryName='payments/orders-api', imageTagMutability="
                                "'IMMUTABLE', imageScanningConfiguration={'scanOnPush': True})  # missing")
    client.apply_all(plan)
    assert client.plan_repository("payments/orders-api", keep=50, untagged_days=3) == []
    rules = json.loads(client.raw.get_lifecycle_policy(repositoryName="payments/orders-api")["lifecyclePolicyText"])["rules"]
    assert [(r["selection"]["tagStatus"], r["selection"]["countNumber"]) for r in rules] == [("untagged", 3), ("any", 50)]


def test_drift_is_planned_back(aws):
    client = aws.ecr
    client.raw.create_repository(repositoryName="web/greeter", imageTagMutability="MUTABLE")
    plan = client.plan_repository("web/greeter", keep=100, untagged_days=7)
    assert [(c.method, c.why) for c in plan] == [
        ("put_image_tag_mutability", "was MUTABLE"), ("put_image_scanning_configuration", "scan on push was off"),
        ("put_lifecycle_policy", "keep 100, expire untagged after 7 days")]
    client.apply_all(plan)
    assert client.plan_repository("web/greeter", keep=100, untagged_days=7) == []
    assert client.plan_repository("web/greeter", keep=10, untagged_days=7)[0].method == "put_lifecycle_policy"


def test_authorization_token_is_the_sandbox_registry_login(aws):
    creds = aws.ecr.authorization()
    assert (creds.username, creds.password) == ("AWS", "123456789012-auth-token")
    assert creds.auth == {"username": "AWS", "password": "123456789012-auth-token"}
