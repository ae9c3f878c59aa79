"""Errors as a user meets them: the hint of an invalid input names what to fix for that kind of
input (an event is not fixed by `service validate`), a wrapped error keeps the error it came from
as its cause, and the -vv traceback that prints those causes masks what looks like a secret."""

from __future__ import annotations

import pytest

from jenkinsctl.errors import ConfigError, InvalidInputError, RegistryError
from jenkinsctl.yamlfile import YamlLoadError, load_yaml_text

pytestmark = pytest.mark.unit


def _strip_agents(project):
    cfg = project / "jenkinsctl.yaml"
    cfg.write_text(cfg.read_text().split("\nagents:")[0] + "\n")


def test_a_bad_event_is_not_sent_to_service_validate(project, cli):
    (project / "event.json").write_text('{"detail-type": "EC2 Instance State-change Notification"}')
    ledger = project / ".jenkinsctl" / "agents-drain.json"
    result = cli("agents", "drain", "--event", "event.json", cwd=project, env={"JENKINS_URL": "http://127.0.0.1:9"})
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "  hint: nothing was drained: pass an EventBridge spot interruption warning or rebalance recommendation, or "
        "an Auto Scaling terminate lifecycle event, as JSON (raw, wrapped by SNS, or an SQS message body)")
    assert "service validate" not in result.err
    assert result.err.startswith("event.json: the event is neither a spot interruption warning")
    assert not ledger.exists()  # a refused event writes no ledger (the event is read before the ledger opens)


def test_a_corrupt_ledger_says_how_to_recover_and_is_left_as_it_was(project, cli):
    ledger = project / "drain.json"
    ledger.write_text("{truncated")
    (project / "event.json").write_text('{"Event": "autoscaling:TEST_NOTIFICATION"}')
    result = cli("agents", "drain", "--event", "event.json", "--ledger", "drain.json", cwd=project,
                 env={"JENKINS_URL": "http://127.0.0.1:9"})
    assert result.code == 2
    assert result.err == (
        "drain.json: the drain ledger is not JSON\n"
        "  hint: restore it, or move it away to start a fresh ledger\n"
        "error: 1 problem in 1 file; nothing was changed\n"
        "  hint: nothing was drained: restore the ledger, or move it away to start a fresh one (the builds it "
        "recorded for --pending are then forgotten)\n")
    assert ledger.read_text() == "{truncated"


def test_a_bad_agents_yaml_points_at_the_agents_commands(project, cli):
    _strip_agents(project)
    (project / "agents.yaml").write_text("apiVersion: jenkinsctl/v1\nkind: Agents\nagents: {cluster: x}\n")
    result = cli("agents", "plan", cwd=project)
    assert result.code == 2
    assert result.err.endswith("  hint: fix agents.yaml above and run `jenkinsctl agents plan` again (it only reads)\n")
    assert result.err.startswith("agents.yaml:3:9: agents.instanceTypes: required key")


def test_a_bad_descriptor_still_points_at_service_validate(project, cli):
    path = project / "services" / "orders-api.yaml"
    path.write_text(path.read_text().replace("team: payments", "team: Payments!", 1))
    result = cli("service", "validate", cwd=project)
    assert result.code == 2
    assert result.err.endswith("  hint: fix the descriptors above and run `jenkinsctl service validate` again\n")


def test_the_default_hint_names_the_input_and_no_command():
    err = InvalidInputError([], "trace")
    assert err.hint == "fix the trace above and try again"
    assert ConfigError([], "config").hint == "fix the config above and run `jenkinsctl service validate` again"


def test_wrapped_errors_keep_their_cause(tmp_path):
    from jenkinsctl.config.loader import load_config
    from jenkinsctl.registry.client import Registry

    with pytest.raises(YamlLoadError) as err:
        load_yaml_text("a: [1, 2\n", "broken.yaml")
    assert type(err.value.__cause__).__name__ == "ParserError"  # PyYAML's own error, for -vv

    (tmp_path / "jenkinsctl.yaml").write_text("a: [1, 2\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "jenkinsctl.yaml", environ={})
    assert isinstance(err.value.__cause__, YamlLoadError)

    with pytest.raises(RegistryError) as err:
        Registry("127.0.0.1:9", timeout=2).manifest_head("any/repo", "v1")
    import requests

    assert isinstance(err.value.__cause__, requests.ConnectionError)
    assert "unreachable" in err.value.message


def test_the_traceback_at_vv_masks_secrets_in_chained_causes(capsys):
    from jenkinsctl.cli import _print_traceback

    try:
        try:
            raise ConnectionError("cannot reach https://deploy:hunter2-very-secret@git.example.com/x.git")
        except ConnectionError as exc:
            raise RegistryError("registry unreachable") from exc
    except RegistryError:
        _print_traceback()
    err = capsys.readouterr().err
    assert "The above exception was the direct cause" in err and "registry unreachable" in err
    assert "hunter2" not in err and "ConnectionError: cannot reach https://***@git.example.com/x.git" in err


@pytest.mark.parametrize("url, masked, refused", [
    ("http://admin:11d0c0ffee@jenkins:8080/job/x", "http://***@jenkins:8080/job/x", True),
    ("https://ghp_token0123@github.com/acme/x.git", "https://***@github.com/acme/x.git", True),
    ("ssh://git:hunter2@git.example.com/x.git", "ssh://***@git.example.com/x.git", True),
    ("https://git.example.com/x.git?private_token=glpat-1", "https://git.example.com/x.git?private_token=***", True),
    ("ssh://git@git.example.com/x.git", "ssh://git@git.example.com/x.git", False),  # a user name, no secret
    ("git@github.com:acme/x.git", "git@github.com:acme/x.git", False),
    ("https://jenkins.example.com/job/a@b/", "https://jenkins.example.com/job/a@b/", False),
])
def test_urls_with_credentials_are_refused_where_written_and_masked_where_printed(url, masked, refused):
    from jenkinsctl.secrets import mask, url_credentials

    assert url_credentials(url) is refused
    assert mask(f"error: GET {url} failed") == f"error: GET {masked} failed"
