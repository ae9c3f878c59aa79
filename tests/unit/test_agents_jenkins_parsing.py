"""What the fleet reads from Jenkins' JSON: labels of queue items (real Jenkins has them only in
`why`) and jobs of executables' URLs (nested folders, a Jenkins under a path)."""

from __future__ import annotations

import pytest

from jenkinsctl.jenkins.agents import job_from_url, label_of, upstream_of


@pytest.mark.parametrize("item, label", [
    ({"why": "Waiting for next available executor on \u2018docker\u2019"}, "docker"),  # real Jenkins' quotes
    ({"why": "Waiting for next available executor on 'docker@feature-x'"}, "docker@feature-x"),
    ({"why": "There are no nodes with the label 'small'"}, "small"),
    ({"why": "All nodes of label \u2018java17\u2019 are offline"}, "java17"),
    ({"why": "All nodes of label 'java17' are offline"}, "java17"),
    ({"why": "Build #3 is already in progress"}, None),
    ({}, None),
])
def test_label_of_a_queue_item(item, label):
    assert label_of(item) == label


@pytest.mark.parametrize("base, url, expected", [
    ("http://j:8080/", "http://j:8080/job/services/job/payments/job/orders-api/job/ci/12/", ("services/payments/orders-api/ci", 12)),
    ("https://ci.example.com/jenkins/", "https://ci.example.com/jenkins/job/a%20b/7/", ("a b", 7)),
    ("http://j/", "http://j/job/api/", ("api", None)),
])
def test_job_of_an_executable_url(base, url, expected):
    assert job_from_url(base, url) == expected


# Jenkins core exports a queue item's or build's causes in a CauseAction (hudson.model.Cause:
# UpstreamCause's upstreamProject, upstreamBuild, upstreamUrl are @Exported, upstreamCauses is not)
UPSTREAM = {"_class": "hudson.model.Cause$UpstreamCause",
            "shortDescription": "Started by upstream project \"apps/build\" build number 41",
            "upstreamBuild": 41, "upstreamProject": "apps/build", "upstreamUrl": "job/apps/job/build/"}


@pytest.mark.parametrize("info, parent", [
    ({"actions": [{"_class": "hudson.model.ParametersAction", "parameters": []},
                  {"_class": "hudson.model.CauseAction", "causes": [UPSTREAM]}]}, ("apps/build", 41)),
    ({"actions": [{}, {"_class": "hudson.model.CauseAction", "causes": [
        {"_class": "hudson.model.Cause$UserIdCause", "shortDescription": "Started by user admin"}, UPSTREAM]}]},
     ("apps/build", 41)),  # a build merged from a user's and an upstream request: the upstream counts
    ({"actions": [{"_class": "hudson.model.CauseAction", "causes": [
        {"_class": "hudson.triggers.TimerTrigger$TimerTriggerCause"}]}]}, None),
    ({"actions": [None, {"causes": [{"upstreamProject": "a", "upstreamBuild": "7"}]}]}, None),  # not a number
    ({}, None),
])
def test_the_upstream_build_of_a_queue_item(info, parent):
    assert upstream_of(info) == parent
