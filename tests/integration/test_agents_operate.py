"""`agents scale`, instance refresh and `agents drain` against moto (EC2, Auto Scaling, ECS, SQS)
and the Jenkins REST fake (queue, nodes, builds). moto never fires lifecycle hooks nor implements
complete_lifecycle_action: tests send the events themselves and stub that one call."""

from __future__ import annotations

import json

import pytest
from fixtures.agents.agents_support import ACCOUNT, fleet_spec, fresh_clients, make_fleet, run_agent
from fixtures.agents.agents_support import event as _event

from jenkinsctl.agents.drainer import Drainer, Ledger, parse_event
from jenkinsctl.agents.executor import execute
from jenkinsctl.agents.fleet import plan_fleet
from jenkinsctl.agents.operate import IDLE_TAG, carry_out, read_fleet, scale_pass, status


def test_scale_from_zero_prewarms_from_the_queue_and_is_idempotent(moto_fleet, jenkins):
    fake, agents = jenkins
    spec, _, _ = make_fleet(moto_fleet, "sc-zero", headroom=1, headroomPercent=0)
    for v in ("1", "2", "3"):
        fake.enqueue("apps/api", {"VERSION": v}, label="docker")
    fake.enqueue("apps/api", {"VERSION": "x"}, label="windows")
    dec, view = scale_pass(moto_fleet, agents, spec, now=1000.0)
    # m5.large (2 vCPU, 8 GiB): 3 builds of 1 vCPU need 2 instances, plus 1 headroom
    assert (dec.desired_before, dec.desired_after) == (0, 3)
    assert any("label 'windows'" in r and "no template serves it" in r for r in dec.reasons)
    carry_out(moto_fleet, spec, dec, view)
    group = moto_fleet.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=["sc-zero-agents"])
    assert group["AutoScalingGroups"][0]["DesiredCapacity"] == 3
    # the next minute, same queue: the instances are there, nothing more to do
    again, view2 = scale_pass(moto_fleet, agents, spec, now=1060.0)
    assert again.desired_after == 3
    assert not [a for a in again.actions if a.kind in ("set_desired", "terminate")]


def test_scale_in_removes_idle_instances_and_keeps_busy_ones_protected(moto_fleet, jenkins):
    fake, agents = jenkins
    spec, ids, cis = make_fleet(moto_fleet, "sc-idle", instances=3, headroom=0, headroomPercent=0,
                                scaleInIdleMinutes=10)
    busy = ids[0]
    run_agent(moto_fleet, fake, "sc-idle", cis[busy], "agent-busy", "1.0.0")
    moto_fleet.autoscaling.raw.set_instance_protection(AutoScalingGroupName="sc-idle-agents", InstanceIds=[busy],
                                                   ProtectedFromScaleIn=False)
    first, view = scale_pass(moto_fleet, agents, spec, now=10_000.0)
    acts = {(a.kind, a.target) for a in first.actions}
    assert ("protect", busy) in acts
    assert {("mark_idle", ids[1]), ("mark_idle", ids[2])} <= acts and "terminate" not in {k for k, _ in acts}
    carry_out(moto_fleet, spec, first, view)
    tags = moto_fleet.ec2.raw.describe_tags(Filters=[{"Name": "key", "Values": [IDLE_TAG]}])["Tags"]
    assert sorted(t["ResourceId"] for t in tags) == sorted(ids[1:])
    # eleven minutes later the idle ones go; the busy one stays
    later, view = scale_pass(moto_fleet, agents, spec, now=10_000.0 + 660)
    assert sorted(a.target for a in later.actions if a.kind == "terminate") == sorted(ids[1:])
    assert later.desired_after == 1
    carry_out(moto_fleet, spec, later, view)
    left = [i.instance_id for i in read_fleet(moto_fleet, spec).instances if i.state == "InService"]
    assert left == [busy]


def test_spot_not_coming_switches_the_group_to_on_demand(moto_fleet, jenkins):
    import dataclasses

    fake, agents = jenkins
    spec, _, _ = make_fleet(moto_fleet, "sc-dry", spotWaitSeconds=120, headroomPercent=0)
    fake.enqueue("apps/api", {"VERSION": "1"}, label="docker")
    dec, view = scale_pass(moto_fleet, agents, spec, now=1000.0)
    assert dec.desired_after == 2
    carry_out(moto_fleet, spec, dec, view)
    # moto fulfils every launch at once; spot pools running dry is driven explicitly: the group
    # asked for 2 instances five minutes ago and none arrived
    from jenkinsctl.agents.operate import read_builds, shapes_of
    from jenkinsctl.agents.scaler import decide

    view = read_fleet(moto_fleet, spec)
    assert view.group.short_since is None  # moto delivered: nothing was short
    view = dataclasses.replace(view, group=dataclasses.replace(view.group, short_since=1000.0), instances=[])
    builds, _ = read_builds(agents, spec, view.agents_on)
    dry = decide(spec, shapes_of(moto_fleet, spec), view.group, view.instances, builds, now=1300.0)
    assert [a.kind for a in dry.actions if a.kind.startswith("fallback")] == ["fallback_on"]
    assert any("spot is not coming" in r for r in dry.reasons)
    carry_out(moto_fleet, spec, dry, view)
    g = moto_fleet.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=["sc-dry-agents"])
    group = g["AutoScalingGroups"][0]
    assert group["MixedInstancesPolicy"]["InstancesDistribution"]["OnDemandPercentageAboveBaseCapacity"] == 100
    assert {t["Key"] for t in group["Tags"]} >= {"jenkinsctl:on-demand-fallback"}
    # the plan knows about the fallback and does not undo it
    p = plan_fleet(fresh_clients(moto_fleet), spec, ACCOUNT)
    assert p.empty and "on-demand fallback" in p.render()
    # hours later, with the group whole again, it returns to spot
    back_view = read_fleet(moto_fleet, spec)
    back = decide(spec, shapes_of(moto_fleet, spec), back_view.group, back_view.instances, builds,
                  now=1300.0 + 6 * 120)
    assert "fallback_off" in [a.kind for a in back.actions]
    carry_out(moto_fleet, spec, back, back_view)
    g = moto_fleet.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=["sc-dry-agents"])
    assert g["AutoScalingGroups"][0]["MixedInstancesPolicy"]["InstancesDistribution"][
        "OnDemandPercentageAboveBaseCapacity"] == 0
    assert plan_fleet(fresh_clients(moto_fleet), spec, ACCOUNT).empty


@pytest.fixture
def moto_launches_from_new_versions(monkeypatch):
    """moto 5.2 stores UserData of `create_launch_template_version` unparsed, then asserts when
    the group launches from that version. Parse it where moto reads it (a fix to the fake's bug,
    scoped to this test; none of our code is touched)."""
    from moto.ec2.models import launch_templates
    from moto.ec2.utils import parse_user_data

    def user_data(self):
        value = self.data.get("UserData")
        return parse_user_data(value) if isinstance(value, str) else value

    monkeypatch.setattr(launch_templates.LaunchTemplateVersion, "user_data", property(user_data))


def test_instance_refresh_replaces_idle_instances_and_waits_for_running_builds(moto_fleet, jenkins,
                                                                               moto_launches_from_new_versions):
    fake, agents = jenkins
    spec, ids, cis = make_fleet(moto_fleet, "rf", instances=2, headroom=0, headroomPercent=0)
    busy, idle = ids
    number = run_agent(moto_fleet, fake, "rf", cis[busy], "agent-rf", "2.0.0")
    moto_fleet.ssm.raw.put_parameter(Name="/test/rf-ami", Value="ami-0aaaabbbbccccdddd", Type="String",
                                 Overwrite=True)
    newer = fleet_spec(moto_fleet, cluster="rf", headroom=0, headroomPercent=0, amiParameter="/test/rf-ami")
    execute(plan_fleet(moto_fleet, newer, ACCOUNT), moto_fleet)
    assert status(moto_fleet, newer)["refresh"] == {"total": 2, "current": 0, "outdated": 2,
                                                     "waitingForBuilds": 1, "done": False}
    dec, view = scale_pass(moto_fleet, agents, newer, now=5000.0)
    acts = {(a.kind, a.target) for a in dec.actions}
    assert ("replace", idle) in acts and ("drain", busy) in acts and ("replace", busy) not in acts
    carry_out(moto_fleet, newer, dec, view)
    fleet = {i.instance_id: i for i in read_fleet(moto_fleet, newer).instances}
    assert busy in fleet and fleet[busy].draining and fleet[busy].running_tasks == 1
    assert idle not in fleet or fleet[idle].state != "InService"
    # a pass while the build still runs changes nothing about the busy instance
    dec2, view2 = scale_pass(moto_fleet, agents, newer, now=5060.0)
    assert ("replace", busy) not in {(a.kind, a.target) for a in dec2.actions}
    # the build ends, its agent task stops: now it is replaced
    fake.finish_build("apps/api", number, "SUCCESS")
    for arn in moto_fleet.ecs.raw.list_tasks(cluster="rf", containerInstance=cis[busy])["taskArns"]:
        moto_fleet.ecs.raw.stop_task(cluster="rf", task=arn)
    dec3, view3 = scale_pass(moto_fleet, agents, newer, now=5120.0)
    assert ("replace", busy) in {(a.kind, a.target) for a in dec3.actions}
    carry_out(moto_fleet, newer, dec3, view3)
    data = status(moto_fleet, newer)
    assert all(not i["outdated"] for i in data["instances"] if i["state"] == "InService")


def test_drain_resubmits_once_under_duplicate_late_and_out_of_order_events(moto_fleet, jenkins, tmp_path):
    from botocore.stub import Stubber

    fake, agents = jenkins
    spec, ids, cis = make_fleet(moto_fleet, "dr", instances=2)
    a, b = ids
    n1 = run_agent(moto_fleet, fake, "dr", cis[a], "agent-a", "1.2.3")
    n2 = run_agent(moto_fleet, fake, "dr", cis[b], "agent-b", "4.5.6")
    ledger = Ledger(tmp_path / "drain.json")
    drainer = Drainer(moto_fleet, agents, "dr", ledger)

    report = drainer.handle(parse_event(_event("spot-interruption.json", a, "dr-agents")))
    assert report.nodes_offlined == ["agent-a"] and report.resubmitted == [f"apps/api #{n1}"]
    assert fake.state.build("apps/api", n1).result == "ABORTED"
    queued = [q for q in fake.state.queue.values()]
    assert [q.parameters["VERSION"] for q in queued] == ["1.2.3"]
    ci = moto_fleet.ecs.raw.describe_container_instances(cluster="dr", containerInstances=[cis[a]])
    assert ci["containerInstances"][0]["status"] == "DRAINING"
    assert fake.state.node("agent-a").temporarily_offline
    ledger.save()

    # the same event again (EventBridge delivers at least once), from a fresh process
    again = Drainer(moto_fleet, agents, "dr", Ledger(tmp_path / "drain.json")).handle(
        parse_event(_event("spot-interruption.json", a, "dr-agents")))
    assert again.duplicate and not again.resubmitted and not again.nodes_offlined
    assert "container instance already DRAINING" in again.steps
    assert len(fake.state.queue) == 1 and fake.state.node("agent-a").temporarily_offline  # not toggled back

    # out of order: the ASG's terminate lifecycle action arrives after the spot warning; moto has no
    # complete_lifecycle_action, so that one call is stubbed (validated against the AWS model)
    lifecycle = fresh_clients(moto_fleet)
    stub = Stubber(lifecycle.autoscaling.raw)
    stub.add_response("complete_lifecycle_action", {}, {
        "AutoScalingGroupName": "dr-agents", "LifecycleHookName": "drain-builds",
        "LifecycleActionToken": "87654321-4321-4321-4321-210987654321", "LifecycleActionResult": "CONTINUE",
        "InstanceId": a})
    with stub:
        late = Drainer(lifecycle, agents, "dr", ledger).handle(
            parse_event(_event("terminate-lifecycle.json", a, "dr-agents")))
    stub.assert_no_pending_responses()
    assert late.lifecycle_completed and not late.resubmitted and len(fake.state.queue) == 1

    # the other instance: lifecycle first, spot warning after
    with Stubber(lifecycle.autoscaling.raw) as stub2:
        stub2.add_response("complete_lifecycle_action", {}, None)
        first = Drainer(lifecycle, agents, "dr", ledger).handle(
            parse_event(_event("terminate-lifecycle.json", b, "dr-agents").replace("468fd7ef", "568fd7ef")))
    assert first.resubmitted == [f"apps/api #{n2}"] and first.lifecycle_completed
    second = drainer.handle(parse_event(_event("spot-interruption.json", b, "dr-agents").replace("1234-1234-1234",
                                                                                               "9999-1234-1234")))
    assert not second.duplicate and not second.resubmitted
    assert sorted(q.parameters["VERSION"] for q in fake.state.queue.values()) == ["1.2.3", "4.5.6"]

    # an event for an instance that is already gone, long after
    gone = drainer.handle(parse_event(_event("spot-interruption.json", "i-0000000000000dead", "dr-agents")))
    assert "nothing to drain" in gone.steps[0] and not gone.resubmitted

    # a drain that died after recording a build: `drain --pending` finishes the job, once
    fake.add_node("agent-c", labels="docker")
    n3 = fake.start_build(fake.enqueue("apps/api", {"VERSION": "9.9.9"}, label="docker").id, node="agent-c").number
    ledger.record_build("apps/api", n3, "i-0000000000000dead", "agent-c", {"VERSION": "9.9.9"})
    resumed = drainer.resume()
    assert resumed.aborted == [f"apps/api #{n3}"] and resumed.resubmitted == [f"apps/api #{n3}"]
    assert not drainer.resume().resubmitted
    assert sorted(q.parameters["VERSION"] for q in fake.state.queue.values()) == ["1.2.3", "4.5.6", "9.9.9"]


def test_drain_from_the_fleets_event_queue_through_the_cli(moto_fleet, jenkins, tmp_path, cli, project):
    fake, _ = jenkins
    spec, ids, cis = make_fleet(moto_fleet, "jenkins-agents", instances=1)
    number = run_agent(moto_fleet, fake, "jenkins-agents", cis[ids[0]], "agent-q", "7.7.7")
    url = moto_fleet.sqs.raw.get_queue_url(QueueName="jenkins-agents-agent-events")["QueueUrl"]  # made by apply
    body = _event("spot-interruption.json", ids[0], "jenkins-agents-agents")
    for _ in range(2):  # delivered twice
        moto_fleet.sqs.raw.send_message(QueueUrl=url, MessageBody=body)
    env = {"JENKINS_URL": fake.url, "JENKINSCTL_AWS_ENDPOINT_URL": moto_fleet.endpoint_url}
    r = cli("agents", "drain", "--json", cwd=project, env=env)
    assert r.code == 0, r.text
    reports = json.loads(r.out)
    assert [x["duplicate"] for x in reports] == [False, True]
    assert reports[0]["resubmitted"] == [f"apps/api #{number}"] and reports[1]["resubmitted"] == []
    assert moto_fleet.sqs.raw.receive_message(QueueUrl=url).get("Messages") is None
    assert (project / ".jenkinsctl" / "agents-drain.json").is_file()
