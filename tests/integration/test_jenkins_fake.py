"""The Jenkins fake behaves like Jenkins for what python-jenkins uses (checked with python-jenkins
itself, the client real code uses), plus its queue/nodes/builds and fault switches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import jenkins
import pytest
import requests

from support import REPO, free_port

from jenkinsctl.devkit.jenkins_fake import FakeJenkins

PIPELINE = """<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job"><description>{desc}</description>
<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
<hudson.model.ChoiceParameterDefinition><name>AGENT_LABEL</name><choices><a><string>docker</string></a></choices>
</hudson.model.ChoiceParameterDefinition>
<hudson.model.StringParameterDefinition><name>VERSION</name><defaultValue>1.0.0</defaultValue>
</hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty>
</properties><definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"><script>echo 1</script>
</definition></flow-definition>"""


@pytest.fixture
def fake():
    with FakeJenkins(users={"admin": "s3cret"}) as f:
        yield f


@pytest.fixture
def server(fake):
    return jenkins.Jenkins(fake.url, "admin", "s3cret", timeout=10)


def test_auth_with_api_token_is_required(fake):
    assert requests.get(fake.url + "api/json", timeout=5).status_code == 401
    assert requests.get(fake.url + "api/json", auth=("admin", "wrong"), timeout=5).status_code == 401
    assert requests.get(fake.url + "api/json", auth=("admin", "s3cret"), timeout=5).status_code == 200


def test_writes_need_the_current_crumb(fake, server):
    auth = ("admin", "s3cret")
    assert requests.post(fake.url + "createItem?name=a", data=PIPELINE, auth=auth, timeout=5).status_code == 403
    server.create_job("a", PIPELINE.format(desc="x"))  # python-jenkins fetches a crumb first
    fake.expire_crumb()
    with pytest.raises(jenkins.JenkinsException, match="403"):
        server.disable_job("a")
    crumb = requests.get(fake.url + "crumbIssuer/api/json", auth=auth, timeout=5).json()
    assert crumb["crumbRequestField"] == "Jenkins-Crumb"
    resp = requests.post(fake.url + "job/a/disable", auth=auth, headers={"Jenkins-Crumb": crumb["crumb"]}, timeout=5)
    assert resp.status_code in (200, 302)


def test_folders_jobs_and_config_round_trip(fake, server):
    server.create_folder("services")
    server.create_folder("services/payments")
    server.create_job("services/payments/ci", PIPELINE.format(desc="first"))
    assert server.get_job_config("services/payments/ci") == PIPELINE.format(desc="first")
    server.reconfig_job("services/payments/ci", PIPELINE.format(desc="second"))
    assert "second" in server.get_job_config("services/payments/ci")
    names = {j["fullname"] for j in server.get_all_jobs()}
    assert names == {"services", "services/payments", "services/payments/ci"}
    with pytest.raises(jenkins.JenkinsException, match="already exists"):
        server.create_job("services/payments/ci", PIPELINE.format(desc="again"))
    raw = server.jenkins_request(requests.Request("GET", fake.url + "crumbIssuer/api/json"))
    dup = requests.post(fake.url + "job/services/job/payments/createItem?name=ci", data=PIPELINE,
                        auth=("admin", "s3cret"), headers={"Jenkins-Crumb": raw.json()["crumb"]}, timeout=5)
    assert dup.status_code == 400 and "already exists" in dup.text
    with pytest.raises(jenkins.JenkinsException, match="folder for the job does not exist"):
        server.create_job("services/nowhere/ci", PIPELINE.format(desc="x"))
    with pytest.raises(jenkins.NotFoundException):
        server.get_job_config("services/payments/missing")


def test_tree_queries_select_fields_and_nest(fake, server):
    server.create_folder("f")
    server.create_job("f/j", PIPELINE.format(desc="hello"))
    server.disable_job("f/j")
    data = server.get_info(query="?tree=jobs[name,jobs[name,color,description]]")
    assert data == {"_class": "hudson.model.Hudson", "jobs": [{
        "_class": "com.cloudbees.hudson.plugins.folder.Folder", "name": "f",
        "jobs": [{"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob", "name": "j", "color": "disabled",
                  "description": "hello"}]}]}
    shallow = server.get_info(query="?tree=jobs[name,jobs]")
    assert shallow["jobs"][0]["jobs"] == [{"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob"}]
    server.enable_job("f/j")
    assert server.get_job_info("f/j")["color"] == "notbuilt"
    server.delete_job("f")
    assert server.get_all_jobs() == []


def test_queue_nodes_and_builds(fake, server):
    server.create_job("app", PIPELINE.format(desc="x"))
    fake.add_node("agent-1", labels="docker linux", executors=1)
    qid = server.build_job("app", {"VERSION": "2.0.0"})
    queued = server.get_queue_info()
    assert [(q["id"], q["task"]["name"]) for q in queued] == [(qid, "app")]
    assert queued[0]["why"] == "Waiting for next available executor on \u2018docker\u2019"  # as Jenkins words it
    assert "assignedLabel" not in queued[0] and queued[0]["buildableStartMilliseconds"] > 0
    build = fake.start_build(qid)
    assert build.node == "agent-1" and server.get_queue_info() == []
    assert server.get_queue_item(qid)["executable"]["number"] == build.number
    info = server.get_build_info("app", build.number)
    assert info["building"] is True and info["result"] is None
    params = {p["name"]: p["value"] for a in info["actions"] if "parameters" in a for p in a["parameters"]}
    assert params == {"AGENT_LABEL": "docker", "VERSION": "2.0.0"}
    node = server.get_node_info("agent-1", depth=2)
    assert node["executors"][0]["currentExecutable"]["number"] == build.number and node["idle"] is False
    server.stop_build("app", build.number)
    assert server.get_build_info("app", build.number)["result"] == "ABORTED"
    server.disable_node("agent-1", "spot interruption")
    computers = requests.get(fake.url + "computer/api/json", auth=("admin", "s3cret"), timeout=5).json()["computer"]
    assert computers[0]["temporarilyOffline"] is True and computers[0]["offlineCauseReason"] == "spot interruption"
    q2 = server.build_job("app", {"VERSION": "2.0.1"})
    assert server.get_queue_item(q2)["why"] == "All nodes of label \u2018docker\u2019 are offline"
    server.delete_node("agent-1")
    assert server.get_nodes() == []
    assert server.get_queue_item(q2)["why"] == "There are no nodes with the label \u2018docker\u2019"


def test_fault_injection_and_call_counts(fake, server):
    server.get_all_jobs()
    fake.reset_stats()
    fake.fail_next("error")
    with pytest.raises((jenkins.JenkinsException, requests.HTTPError)):
        server.get_all_jobs()
    fake.fail_next("drop-before")
    with pytest.raises(requests.ConnectionError):
        server.get_all_jobs()
    fake.set_faults(slow_rate=1.0, slow_seconds=0.3)
    start = time.monotonic()
    server.get_all_jobs()
    assert time.monotonic() - start >= 0.3
    fake.clear_faults()
    server.create_job("x", PIPELINE.format(desc="x"))  # reads (exists?, crumb, exists) and one write
    assert fake.stats.writes == 1 and fake.stats.faults == 3 and fake.stats.reads >= 4


def test_command_line_entry_serves_until_terminated():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "jenkinsctl.devkit.jenkins_fake", "--port", str(port),
                             "--node", "agent-1:docker:2"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == f"fake Jenkins listening on http://127.0.0.1:{port}/"
        data = requests.get(f"http://127.0.0.1:{port}/computer/api/json", timeout=5).json()
        assert data["computer"][0]["numExecutors"] == 2
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
