"""docs/iam.md's per-command blocks parse, name real AWS operations, and state what issue 14 item 7
found missing, true to the code (the e2e test holds the blocks against recorded calls)."""

from __future__ import annotations

import pytest
from iam_doc import DOC, documented

COMMANDS = ("agents apply", "agents destroy", "agents scale", "agents drain", "step push", "step deploy",
            "step rollback", "step promote")
BOTO = {"elasticloadbalancing": "elbv2"}  # IAM prefix -> botocore service, where they differ


def test_every_command_has_a_block():
    docs = documented()
    assert set(COMMANDS) <= set(docs), sorted(set(COMMANDS) - set(docs))


def test_every_called_action_is_an_operation_of_the_real_service_model():
    import botocore.session

    session = botocore.session.get_session()
    for command, doc in documented().items():
        for action in doc.always | set(doc.when):
            prefix, name = action.split(":")
            ops = session.get_service_model(BOTO.get(prefix, prefix)).operation_names
            assert name in ops, f"{command}: {action} is not an operation of {prefix}"


SAMPLE = """
```iam thing run
ecs:DescribeClusters
ecs:CreateCluster        when: it is missing
ecr:PutImage             registry: the manifest
iam:PassRole             checked: with ecs:RegisterTaskDefinition
```
"""


def test_the_comparison_finds_what_is_undocumented_unused_or_dangling():
    doc = documented(SAMPLE)["thing run"]
    wrong = doc.compare({"ecs:CreateCluster", "ecs:DeleteCluster"})
    assert any("calls ecs:DeleteCluster, which docs/iam.md:2 does not list" in w for w in wrong)
    assert any("lists ecs:DescribeClusters, which no run called" in w for w in wrong)
    assert any("iam:PassRole is checked 'with' ['ecs:RegisterTaskDefinition']" in w for w in wrong)
    assert documented(SAMPLE.replace("iam:PassRole             checked: with ecs:RegisterTaskDefinition\n", ""))[
        "thing run"].compare({"ecs:DescribeClusters"}) == []
    with pytest.raises(ValueError, match=r"docs/iam.md:3: 'ecs:describe_clusters' is not"):
        documented("```iam x y\necs:DescribeClusters\necs:describe_clusters\n```\n")


def test_item_7_promote_needs_upload_and_get_on_the_target_and_a_mount_is_conditional():
    promote = documented()["step promote"]
    assert {"ecr:UploadLayerPart", "ecr:BatchGetImage", "ecr:PutImage", "ecr:InitiateLayerUpload",
            "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"} <= set(promote.registry)
    assert "mount" in promote.registry["ecr:UploadLayerPart"] and "encryption" in promote.registry["ecr:UploadLayerPart"]
    text = DOC.read_text()
    assert "blob mounting\nturned on and both repositories use the same encryption" in text
    assert "uploads no layer bytes\n" not in text.replace("uploads no layer bytes only", "")


def test_item_7_pass_role_service_linked_role_and_kms_are_stated_and_true_to_the_code():
    from jenkinsctl.agents import resources
    from jenkinsctl.deploy.resources import Resources

    docs = documented()
    assert "iam:PassRole" in docs["agents apply"].checked and "iam:PassRole" in docs["step deploy"].checked
    assert "iam:CreateServiceLinkedRole" in docs["agents apply"].when
    assert "iam:CreateServiceLinkedRole" in docs["step deploy"].checked  # application autoscaling, once
    assert resources.KINDS[0] == "service_linked_role"  # apply creates ECS's before anything else
    # the doc says jenkinsctl's execution policy has no kms:Decrypt and the user adds it: true
    policy = Resources("orders-api", "dev", "dev", "us-east-1", "123456789012", "payments/orders-api") \
        .execution_policy({"DB": "secretsmanager:orders/db"})
    assert not [a for st in policy["Statement"] for a in st["Action"] if a.startswith("kms:")]
    assert "has no `kms:Decrypt`" in DOC.read_text()


def test_item_7_the_agents_launch_template_requires_imdsv2_with_hop_limit_1_as_the_doc_says():
    """(tests/e2e/test_iam_documented.py reads the same back from moto after `agents apply`.)"""
    from fixtures.agents.agents_support import fleet_spec

    from jenkinsctl.agents.resources import desired

    lt = next(r for r in desired(fleet_spec(), "ami-0abc", 1) if r.kind == "launch_template")
    assert (lt.props["httpTokens"], lt.props["hopLimit"]) == ("required", 1)
    assert "The launch template requires IMDSv2 with a hop limit of 1" in DOC.read_text()
