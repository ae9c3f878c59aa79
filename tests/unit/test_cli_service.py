"""`jenkinsctl service ...` as a user sees it: exact text and exit codes."""

from __future__ import annotations

import json

import yaml


def test_new_writes_a_descriptor_that_validates(project, cli):
    result = cli("service", "new", "greeter", "--team", "web", "--port", "8080", cwd=project)
    assert (result.code, result.out) == (0, "wrote services/greeter.yaml\n")
    assert result.err == "next: edit it, then `jenkinsctl service validate services/greeter.yaml`\n"
    data = yaml.safe_load((project / "services" / "greeter.yaml").read_text())
    assert data["deploy"]["port"] == 8080 and data["team"] == "web"
    assert cli("service", "validate", cwd=project).out == \
        "ok: 4 descriptors valid (greeter, invoice-worker, orders-api, search-api)\n"


def test_new_worker_has_no_port_and_team_defaults_to_namespace(project, cli):
    assert cli("service", "new", "mailer", cwd=project).code == 0
    data = yaml.safe_load((project / "services" / "mailer.yaml").read_text())
    assert "port" not in data["deploy"] and data["team"] == "platform"


def test_new_refuses_to_overwrite(project, cli):
    before = (project / "services" / "orders-api.yaml").read_text()
    result = cli("service", "new", "orders-api", cwd=project)
    assert result.code == 2
    assert result.err == ("error: services/orders-api.yaml already exists; nothing was written\n"
                          "  hint: edit it, or pick another name; `jenkinsctl service show orders-api` shows it\n")
    assert (project / "services" / "orders-api.yaml").read_text() == before


def test_new_dry_run_prints_and_writes_nothing(project, cli):
    result = cli("service", "new", "greeter", "--port", "80", "--dry-run", cwd=project)
    assert result.code == 0
    assert result.out.startswith("# services/greeter.yaml: everything Jenkins and ECS need")
    assert result.err == "dry run: services/greeter.yaml not written\n"
    assert not (project / "services" / "greeter.yaml").exists()
    assert cli("--dry-run", "service", "new", "greeter", cwd=project).code == 0
    assert not (project / "services" / "greeter.yaml").exists()


def test_new_rejects_a_bad_name(project, cli):
    result = cli("service", "new", "Greeter_1", cwd=project)
    assert result.code == 2
    assert result.err.startswith("error: NAME: 'Greeter_1' is not a valid name\n  hint: use lowercase")
    assert not (project / "services" / "Greeter_1.yaml").exists()


def test_new_refuses_a_name_clash_through_the_repository(project, cli):
    (project / "services" / "payments-api.yaml").write_text(
        (project / "services" / "orders-api.yaml").read_text().replace("name: orders-api", "name: payments-api")
        + "image:\n  repository: payments/api\n")
    result = cli("service", "new", "orders", "--team", "payments", cwd=project)
    assert result.code == 0  # payments/orders is free
    result = cli("service", "new", "api", "--team", "payments", cwd=project)
    assert result.code == 2 and "image repository 'payments/api' is also used by" in result.err
    assert not (project / "services" / "api.yaml").exists()


def test_validate_all_ok(project, cli):
    result = cli("service", "validate", cwd=project)
    assert (result.code, result.out, result.err) == (
        0, "ok: 3 descriptors valid (invoice-worker, orders-api, search-api)\n", "")


def test_validate_reports_every_file_and_changes_nothing(project, cli):
    (project / "services" / "a.yaml").write_text("apiVersion: jenkinsctl/v1\nkind: Service\nname: a\n")
    (project / "services" / "b.yaml").write_text("key: [oops\n")
    result = cli("service", "validate", cwd=project)
    assert result.code == 2
    assert result.err == (
        "services/a.yaml:1:1: repo: required key 'repo' is missing\n"
        "  hint: The service's git repository URL\n"
        "services/a.yaml:1:1: team: required key 'team' is missing\n"
        "  hint: Owning team; jobs go under <jenkins folder>/<team>/<name>\n"
        "services/b.yaml:2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)\n"
        "  hint: check indentation and quoting on this line and the one above\n"
        "error: 3 problems in 2 files; nothing was changed\n"
        "  hint: fix the descriptors above and run `jenkinsctl service validate` again\n")


def test_list(project, cli):
    result = cli("service", "list", cwd=project)
    assert result.out == (
        "NAME            TEAM       REPOSITORY              PORT  ENVIRONMENTS\n"
        "invoice-worker  billing    billing/invoice-worker  -     dev:rolling prod:rolling\n"
        "orders-api      payments   payments/orders-api     8080  dev:blue-green staging:blue-green prod:blue-green\n"
        "search-api      discovery  discovery/search        3000  dev:rolling staging:canary prod:canary\n")


def test_show_explain_names_origins(project, cli):
    result = cli("service", "show", "orders-api", "--env", "prod", "--explain", cwd=project)
    assert result.code == 0
    lines = result.out.splitlines()
    assert "desiredCount: 4                                             # services/orders-api.yaml:36:19" in lines
    config_lines = (project / "jenkinsctl.yaml").read_text().splitlines()
    row = next(i for i, text in enumerate(config_lines, 1) if text.strip() == "cluster: prod")
    assert any(line.startswith("cluster: prod ") and line.endswith(f"# jenkinsctl.yaml:{row}:14") for line in lines)
    assert any(line.startswith("  intervalSeconds: 15 ") and line.endswith("# built-in default") for line in lines)


def test_show_json_and_environment_override_merge(project, cli):
    data = json.loads(cli("service", "show", "orders-api", "--format", "json", cwd=project).out)
    assert data["environments"]["prod"]["env"] == {"LOG_LEVEL": "warn", "WORKERS": "4"}
    assert data["environments"]["dev"]["env"] == {"LOG_LEVEL": "info", "WORKERS": "4"}
    assert data["environments"]["staging"]["promoteFrom"] == "dev"
    assert data["environments"]["prod"]["approval"] is True


def test_show_unknown_service_suggests(project, cli):
    result = cli("service", "show", "order-api", cwd=project)
    assert (result.code, result.err) == (2, "error: no service named 'order-api' in services/\n"
                                            "  hint: did you mean 'orders-api'?\n")


def test_show_unknown_environment(project, cli):
    result = cli("service", "show", "invoice-worker", "--env", "staging", cwd=project)
    assert (result.code, result.err) == (2, "error: service invoice-worker has no environment 'staging'\n"
                                            "  hint: its environments are: dev, prod\n")


def test_schema_is_json_schema_of_the_model(project, cli):
    schema = json.loads(cli("service", "schema", cwd=project).out)
    assert schema["additionalProperties"] is False
    assert {"apiVersion", "kind", "name", "team", "repo"} <= set(schema["required"])
    assert "deploy" in schema["properties"]
    config_schema = json.loads(cli("service", "schema", "--kind", "config", cwd=project).out)
    assert "environments" in config_schema["required"]


def test_no_config_anywhere(tmp_path, cli):
    result = cli("service", "list", cwd=tmp_path)
    assert result.code == 2
    assert result.err == (f"error: no jenkinsctl.yaml in {tmp_path} or any folder above it\n"
                          "  hint: run jenkinsctl from your descriptors repository, or pass --config PATH\n")


def test_config_option_and_env_var(project, tmp_path, cli):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert cli("--config", str(project / "jenkinsctl.yaml"), "service", "list", cwd=elsewhere).code == 0
    result = cli("service", "list", cwd=elsewhere, env={"JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml")})
    assert result.code == 0 and "orders-api" in result.out


def test_walks_up_to_find_config(project, cli):
    sub = project / "services"
    assert cli("service", "validate", cwd=sub).code == 0


def test_usage_error_exit_code(project, cli):
    result = cli("service", "new", cwd=project)
    assert result.code == 2 and "Missing argument 'NAME'" in result.err


def test_tracebacks_only_with_vv(project, cli):
    assert "Traceback" not in cli("service", "show", "nope", cwd=project).err
    assert "Traceback" in cli("-vv", "service", "show", "nope", cwd=project).err


def test_help_teaches(cli):
    out = cli("--help").out
    assert "Exit codes:" in out and "jenkinsctl service new orders-api" in out
    assert "service" in out and "agents" in out


def test_ctx_exit_code_is_kept(cli):
    import click

    from jenkinsctl.cli import cli as group

    @group.command("exit-three-for-test", hidden=True)
    @click.pass_context
    def exit_three(ctx):
        ctx.exit(3)

    try:
        assert cli("exit-three-for-test").code == 3
    finally:
        group.commands.pop("exit-three-for-test")


def test_new_dry_run_never_touches_the_services_folder(project, cli):
    # a file created and removed again changes the folder's mtime: it must not move at all
    folder = project / "services"
    before = (sorted(p.name for p in folder.iterdir()), folder.stat().st_mtime_ns)
    result = cli("service", "new", "greeter", "--port", "80", "--dry-run", cwd=project)
    assert result.code == 0 and "name: greeter" in result.out
    assert (sorted(p.name for p in folder.iterdir()), folder.stat().st_mtime_ns) == before


def test_new_dry_run_into_a_missing_folder_creates_nothing(project, cli):
    import shutil

    shutil.rmtree(project / "services")
    assert cli("service", "new", "greeter", "--dry-run", cwd=project).code == 0
    assert not (project / "services").exists()


def test_new_with_invalid_options_writes_nothing_and_says_which_options(project, cli):
    folder = project / "services"
    before = (sorted(p.name for p in folder.iterdir()), folder.stat().st_mtime_ns)
    result = cli("service", "new", "greeter", "--repo", "not-a-url", cwd=project)
    assert result.code == 2
    assert result.err == (
        "services/greeter.yaml:8:7: repo: 'not-a-url' is not a git repository URL\n"
        "  hint: e.g. https://github.com/acme/orders-api.git or git@github.com:acme/orders-api.git\n"
        "error: 1 problem in 1 file; nothing was changed\n"
        "  hint: nothing was written: change the options above (NAME, --team, --port, --repo) and run "
        "`jenkinsctl service new` again\n")
    assert (sorted(p.name for p in folder.iterdir()), folder.stat().st_mtime_ns) == before

