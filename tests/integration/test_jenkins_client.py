"""The one wrapper over python-jenkins: retries what is transient, translates the rest."""

from __future__ import annotations

import pytest

from support import free_port

from jenkinsctl.devkit.jenkins_fake import FakeJenkins
from jenkinsctl.errors import JenkinsError
from jenkinsctl.factory import Factory
from jenkinsctl.jenkins.client import JenkinsClient, JenkinsConflict, JenkinsNotFound, TransientJenkinsError

JOB = ("<flow-definition><description>d</description><definition class='org.jenkinsci.plugins.workflow.cps."
       "CpsFlowDefinition'><script>echo 1</script></definition></flow-definition>")


@pytest.fixture
def fake():
    with FakeJenkins(users={"u": "t"}) as f:
        yield f


def client_for(fake, **kw) -> JenkinsClient:
    return JenkinsClient(fake.url, "u", "t", backoff_min=0.01, backoff_max=0.02, **kw)


def test_5xx_dropped_connections_and_expired_crumbs_are_retried(fake):
    notes: list[str] = []
    client = client_for(fake, on_retry=notes.append)
    client.create_item("a", JOB)
    fake.fail_next("error", "drop-before")
    assert client.item_tree("", "jobs[name]")["jobs"] == [{"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                                                          "name": "a"}]
    fake.expire_crumb()
    client.disable("a")
    assert client.calls.retries == 3 and len(notes) == 3
    assert any("crumb" in n for n in notes) and any("server error" in n for n in notes)


def test_an_answer_cut_mid_body_is_retried_and_a_write_is_read_back_before_it_is_sent_again(fake):
    client = client_for(fake)
    fake.fail_next("cut")
    assert client.item_tree("", "jobs[name]")["jobs"] == []  # a read: simply asked again
    assert client.calls.retries == 1
    fake.fail_path("createItem", 1, "cut")  # applied, then the answer is cut
    checks: list[str] = []

    def applied() -> bool:
        checks.append("read back")
        return "a" in fake.jobs()

    writes = client.calls.writes
    client.create_item("a", JOB, applied=applied)
    assert checks == ["read back"] and client.calls.writes - writes == 1  # not sent twice
    assert list(fake.jobs()) == ["a"]
    fake.fail_path("createItem", 1, "drop-before")  # not applied: the read-back says so, and it is sent again
    client.create_item("b", JOB, applied=lambda: "b" in fake.jobs())
    assert sorted(fake.jobs()) == ["a", "b"]
    fake.fail_path("/build", 1, "cut")  # a build trigger cannot be read back: never sent twice
    with pytest.raises(TransientJenkinsError, match="cut mid-answer"):
        client.build("a")
    assert len(fake.state.queue) == 1


def test_retries_give_up_with_a_located_error(fake):
    client = client_for(fake, attempts=3)
    fake.set_faults(error_rate=1.0, seed=3)
    with pytest.raises(TransientJenkinsError) as err:
        client.get_config("a")
    assert err.value.message.startswith(f"read config of a at {fake.url}: server error 5")
    assert "system log" in err.value.hint and err.value.exit_code == 4
    assert fake.stats.reads == 3


def test_slow_answers_time_out_and_are_retried(fake):
    client = JenkinsClient(fake.url, "u", "t", timeout=0.2, attempts=2, backoff_min=0.01)
    fake.fail_next("slow")
    fake.faults.slow_seconds = 0.5
    assert client.item_tree("", "jobs[name]") == {"_class": "hudson.model.Hudson", "jobs": []}
    assert client.calls.retries == 1


def test_errors_say_what_to_do(fake):
    with pytest.raises(JenkinsError) as auth:
        JenkinsClient(fake.url, "u", "wrong", attempts=1).item_tree("", "jobs[name]")
    assert "authentication" in auth.value.message and "JENKINS_API_TOKEN" in auth.value.hint
    client = client_for(fake)
    with pytest.raises(JenkinsNotFound):
        client.get_config("missing")
    assert client.item_tree("missing", "jobs[name]") is None
    client.create_item("a", JOB)
    with pytest.raises(JenkinsConflict, match="already exists"):
        client.create_item("a", JOB)
    with pytest.raises(JenkinsError, match="connection refused") as refused:
        JenkinsClient(f"http://127.0.0.1:{free_port()}", attempts=1).get_config("a")
    assert "JENKINS_URL" in refused.value.hint


def test_connection_settings_come_from_the_environment_first():
    class Cfg:
        class jenkins:
            url = "http://config.example:8080"

    assert Factory({}).jenkins(Cfg).url == "http://config.example:8080/"
    env = {"JENKINS_URL": "http://env.example/", "JENKINS_USER": "me", "JENKINS_API_TOKEN": "tok"}
    client = Factory(env).jenkins(Cfg)
    assert client.url == "http://env.example/" and client.user == "me"
    with pytest.raises(JenkinsError, match="must be set together"):
        Factory({"JENKINS_USER": "me"}).jenkins(Cfg)
    with pytest.raises(JenkinsError, match="no Jenkins URL"):
        Factory({}).jenkins(None)


def test_builds_queue_and_nodes_for_the_agents_work(fake):
    client = client_for(fake)
    client.create_item("app", JOB)
    fake.add_node("spot-1", labels="docker", executors=1)
    qid = client.build("app", {"VERSION": "1.2.3"})
    [item] = client.queue()
    assert item["id"] == qid and item["task"]["name"] == "app"
    build = fake.start_build(qid, "spot-1")
    assert client.queue_item(qid)["executable"]["number"] == build.number
    [node] = client.nodes(depth=1)
    assert node["executors"][0]["currentExecutable"]["number"] == build.number
    client.toggle_offline("spot-1", "spot interruption notice")
    assert client.nodes()[0]["temporarilyOffline"] is True
    client.stop_build("app", build.number)
    assert client.get_build("app", build.number)["result"] == "ABORTED"
    client.delete_node("spot-1")
    assert client.nodes() == []
