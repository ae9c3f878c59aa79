"""`jenkinsctl agents ...`: spot-backed ECS capacity for Jenkins build agents."""

from __future__ import annotations

from pathlib import Path

import click

from jenkinsctl.cli.arguments import FiniteFloatRange
from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app

branch_option = click.option("--branch", metavar="BRANCH", help="Work on BRANCH's agent templates "
                             "(labels like docker@BRANCH) beside main's, instead of the whole fleet.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the data as JSON.")


@click.group()
def agents() -> None:
    """Spot-backed ECS capacity for Jenkins build agents (`agents:` in jenkinsctl.yaml).

    \b
      jenkinsctl agents plan            # what apply would change, as a diff
      jenkinsctl agents apply           # create/update: IAM, launch template, ASG, capacity provider...
      jenkinsctl agents casc > ecs.yaml # the amazon-ecs plugin's cloud, for a JCasC bundle
      jenkinsctl agents scale           # one pass: pre-warm from the queue, scale in idle instances
      jenkinsctl agents drain --queue URL   # spot interruptions: drain, resubmit builds
      jenkinsctl agents simulate --bursty 24      # this policy vs three baselines
    """


def _setup(app: AppContext):
    from jenkinsctl.agents.load import load_fleet

    loaded = app.config()
    spec = load_fleet(loaded)
    return loaded.config, spec, app.factory.aws(loaded.config)


def _branch(config, branch: str | None) -> str | None:
    if branch is None or branch == config.defaults.main_branch:
        return None
    from jenkinsctl.config.fleet import branch_problem
    from jenkinsctl.errors import UsageError

    problem = branch_problem(branch)
    if problem:
        raise UsageError(f"--branch: {problem}", "letters, digits, '.', '_', '-' and '/'")
    return branch


def _plan(app: AppContext, branch, live_branches, destroy=False):
    from jenkinsctl.agents.fleet import plan_fleet

    config, spec, clients = _setup(app)
    plan = plan_fleet(clients, spec, config.aws.account_id, _branch(config, branch),
                      list(live_branches) if live_branches else None, destroy=destroy)
    return plan, clients


@agents.command("plan")
@branch_option
@click.option("--live-branch", "live_branches", multiple=True, metavar="BRANCH",
              help="Branches whose fleet config still exists; other branches' templates are removed. Repeat.")
@click.option("--calls", is_flag=True, help="Also list the AWS calls each change makes.")
@json_option
@pass_app
def plan(app: AppContext, branch, live_branches, calls: bool, as_json: bool) -> None:
    """Show what `apply` would change (reads AWS, changes nothing). Exit 0 either way."""
    import json

    p, _ = _plan(app, branch, live_branches)
    app.out(json.dumps(p.to_data(), indent=2) if as_json else p.render(calls=calls))


@agents.command("apply")
@branch_option
@click.option("--live-branch", "live_branches", multiple=True, metavar="BRANCH",
              help="Branches whose fleet config still exists; other branches' templates are removed. Repeat.")
@dry_run_option
@pass_app
def apply(app: AppContext, branch, live_branches) -> None:
    """Create or update the fleet's resources so AWS matches the config; prints the plan first.

    A second apply reports no changes and makes no mutating AWS call."""
    p, clients = _plan(app, branch, live_branches)
    _show_then_execute(app, p, clients, "applied")


@agents.command("destroy")
@branch_option
@dry_run_option
@pass_app
def destroy(app: AppContext, branch) -> None:
    """Remove the fleet's own resources (tagged as owned by it), in dependency order.

    With --branch, only that branch's agent templates."""
    p, clients = _plan(app, branch, None, destroy=True)
    _show_then_execute(app, p, clients, "destroyed")


def _show_then_execute(app: AppContext, plan, clients, done: str) -> None:
    from jenkinsctl.agents.executor import execute, mutating_calls

    app.out(plan.render())
    if app.dry_run or plan.empty:
        if app.dry_run and not plan.empty:
            app.info("dry run: nothing changed")
        return
    result = execute(plan, clients, progress=app.debug)
    app.out(f"{done}: {result.count} AWS call(s); {len(mutating_calls(clients))} mutating")


@agents.command("status")
@json_option
@pass_app
def status(app: AppContext, as_json: bool) -> None:
    """The group, its instances (builds, protection, draining) and instance refresh progress."""
    import json

    from jenkinsctl.agents.operate import render_status
    from jenkinsctl.agents.operate import status as fleet_status

    _, spec, clients = _setup(app)
    data = fleet_status(clients, spec)
    app.out(json.dumps(data, indent=2) if as_json else render_status(data))


@agents.command("casc")
@click.option("--branch", "branches", multiple=True, metavar="BRANCH",
              help="Also the templates of BRANCH (labels like docker@BRANCH). Repeat.")
@click.option("--jenkins-url", metavar="URL", help="The URL agents connect to (default: jenkins.url).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
@pass_app
def casc(app: AppContext, branches, jenkins_url, output) -> None:
    """Print the JCasC YAML of the amazon-ecs plugin's cloud for this fleet (no AWS call)."""
    from pathlib import Path

    from jenkinsctl.agents.casc import render
    from jenkinsctl.agents.load import load_fleet

    loaded = app.config()
    config = loaded.config
    spec = load_fleet(loaded)
    text = render(spec, config.aws.account_id, config.aws.region,
                  jenkins_url or app.environ.get("JENKINS_URL") or config.jenkins.url,
                  [b for b in (_branch(config, b) for b in branches) if b])
    if output:
        Path(output).write_text(text)
        app.info(f"wrote {output}")
    else:
        app.out(text.rstrip())


def _jenkins(app: AppContext, config):
    return app.factory.jenkins_agents(config)


@agents.command("scale")
@json_option
@dry_run_option
@pass_app
def scale(app: AppContext, as_json: bool) -> None:
    """One scaling pass (run it every minute): read the queue and the fleet, decide, act.

    Pre-warms desired capacity from queued builds, scales in only instances idle for
    scaleInIdleMinutes, keeps instances running builds protected, replaces outdated instances
    once idle, and falls back to on-demand when spot has not come for spotWaitSeconds."""
    import json

    from jenkinsctl.agents.operate import carry_out, scale_pass

    config, spec, clients = _setup(app)
    decision, view = scale_pass(clients, _jenkins(app, config), spec)
    app.out(json.dumps(decision.to_data(), indent=2) if as_json else decision.render())
    if app.dry_run:
        app.info("dry run: nothing changed")
        return
    for line in carry_out(clients, spec, decision, view):
        app.debug(line)


@agents.command("drain")
@click.option("--event", "event_file", metavar="FILE",
              help="One event as JSON ('-' for stdin): spot interruption warning, rebalance recommendation, "
                   "ASG terminate lifecycle action (EventBridge or SQS body).")
@click.option("--queue", "queue_url", metavar="URL", help="Receive the events from this SQS queue "
              "(default: the fleet's own queue, which its EventBridge rules feed).")
@click.option("--pending", is_flag=True, help="Carry on with builds recorded earlier (aborts not yet done).")
@click.option("--ledger", type=click.Path(dir_okay=False), metavar="PATH",
              help="The drain ledger (default: .jenkinsctl/agents-drain.json beside jenkinsctl.yaml).")
@click.option("--max-messages", type=click.IntRange(1, 1000), default=100, show_default=True)
@json_option
@pass_app
def drain(app: AppContext, event_file, queue_url, pending, ledger, max_messages, as_json) -> None:
    """Drain instances that are going away; resubmit the builds they cut off. Idempotent.

    By default reads the fleet's event queue (spot interruption warnings, rebalance
    recommendations and the group's terminate lifecycle actions, routed there by `apply`)."""
    import json

    from jenkinsctl.agents.drainer import Drainer, Ledger, parse_event
    from jenkinsctl.agents.load import load_fleet
    from jenkinsctl.errors import UsageError

    if sum(bool(x) for x in (event_file, queue_url, pending)) > 1:
        raise UsageError("give at most one of --event FILE, --queue URL, --pending",
                         "without any, the fleet's own event queue is read")
    event = parse_event(_read_event(event_file), event_file) if event_file else None  # before anything else
    loaded = app.config()
    spec = load_fleet(loaded)
    clients = app.factory.aws(loaded.config)
    book = Ledger(ledger or loaded.root / ".jenkinsctl" / "agents-drain.json")
    drainer = Drainer(clients, _jenkins(app, loaded.config), spec.cluster, book)
    reports = []
    try:
        if event is not None:
            reports.append(drainer.handle(event))
        elif pending:
            reports.append(drainer.resume())
        else:
            from jenkinsctl.agents.resources import Names

            if not queue_url:
                own = clients.sqs.queue(Names(spec.cluster).queue)
                if own is None:
                    raise UsageError(f"the fleet's event queue {Names(spec.cluster).queue} does not exist",
                                     "run `jenkinsctl agents apply`, or pass --queue URL")
                queue_url = own["_url"]
            for message, ack in clients.sqs.receive_all(queue_url, max_messages):
                reports.append(drainer.handle(parse_event(message, f"SQS message from {queue_url}")))
                book.save()
                ack()
    finally:
        book.save()
    if as_json:
        app.out(json.dumps([r.to_data() for r in reports], indent=2))
    else:
        app.out("\n".join(r.render() for r in reports) or "no events")


def _read_event(name: str) -> bytes:
    """The event file's bytes: a regular file (or '-', stdin) of at most 1 MiB (an SQS message's
    limit since 2025; EventBridge events and SNS messages are at most 256 KiB)."""
    import sys

    from jenkinsctl.errors import InvalidInputError, Problem
    from jenkinsctl.yamlfile import NotRegularFile, TooLarge, read_capped

    limit = 1024 * 1024
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(limit + 1)
            if len(raw) > limit:
                raise TooLarge(len(raw))
            return raw
        return read_capped(Path(name), limit)
    except NotRegularFile as exc:
        problem = Problem(name, 0, 0, "", f"is not a regular file ({exc.kind})", "pass the event as a JSON file")
    except TooLarge:
        problem = Problem(name, 0, 0, "", f"the event is larger than {limit} bytes",
                          "pass one EventBridge event (or SQS message body) as it arrived")
    except OSError as exc:
        problem = Problem(name, 0, 0, "", f"cannot read file: {exc.strerror}")
    raise InvalidInputError([problem], "event")


@agents.command("simulate")
@click.option("--trace", "trace_file", type=click.File("r"), metavar="FILE",
              help="CSV: arrival,label,cpu,memory,duration (seconds, cpu units, MiB, seconds) and optional "
                   "id,job,parent (parent: the id whose end releases the build).")
@click.option("--synthetic", type=click.IntRange(1, 100000), metavar="N",
              help="Instead of a trace: N builds over 24 h with a workday burst.")
@click.option("--bursty", type=click.IntRange(1, 500), metavar="MERGES",
              help="Instead of a trace: MERGES merges, each a build job fanning out 30-70 tests from zero.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--interruption-rate", type=FiniteFloatRange(0, 1), default=0.05, show_default=True,
              help="Spot interruptions per instance per hour.")
@click.option("--spot-prices", type=click.File("r"), metavar="FILE",
              help="The JSON of `aws ec2 describe-spot-price-history` (or CSV Timestamp,InstanceType,SpotPrice).")
@click.option("--static-peak", is_flag=True, help="Also the static on-demand fleet sized for the peak.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, writable=True), metavar="FILE.png",
              help="Draw queued builds, instances by market and queue waits per policy (needs matplotlib).")
@json_option
@pass_app
def simulate(app: AppContext, trace_file, synthetic, bursty, seed, interruption_rate, spot_prices, static_peak,
             plot_file, as_json) -> None:
    """Replay a build trace under this policy and three baselines (ec2-fleet plugin, one spot
    instance per build, a static fleet sized by schedule); print cost, waits and lost builds."""
    import json

    from jenkinsctl.agents import simtrace
    from jenkinsctl.agents import simulator as sim
    from jenkinsctl.agents.load import load_fleet
    from jenkinsctl.errors import UsageError

    if sum(x is not None and x is not False for x in (trace_file, synthetic, bursty)) != 1:
        raise UsageError("give exactly one of --trace FILE, --synthetic N and --bursty MERGES",
                         "e.g. `jenkinsctl agents simulate --synthetic 2000`")
    if plot_file:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            from jenkinsctl.agents.simplot import INSTALL_HINT

            raise UsageError("--plot needs matplotlib, which is not installed", INSTALL_HINT) from None
    spec = load_fleet(app.config())
    source = trace_file or spot_prices
    try:
        if trace_file:
            trace = simtrace.read_trace(trace_file.read())
        elif bursty:
            trace = simtrace.bursty_trace(bursty, seed)
        else:
            trace = simtrace.synthetic_trace(synthetic, seed)
        source = spot_prices
        prices = simtrace.read_spot_prices(spot_prices.read(), spot_prices.name) if spot_prices else None
    except simtrace.TraceError as exc:
        raise UsageError(f"{getattr(source, 'name', 'input')}: {exc}", "see `jenkinsctl agents simulate --help`") from exc
    unknown = sorted({t for t in spec.instance_types if t not in sim.CATALOG})
    if unknown:
        raise UsageError(f"the simulator has no size or price for {', '.join(unknown)}",
                         f"it knows {', '.join(sorted(sim.CATALOG))}")
    if prices:
        missing = [t for t in spec.instance_types if t not in prices]
        if missing:
            app.info(f"--spot-prices has no series for {', '.join(missing)}: the default band is used for them")
    results = sim.compare(spec, trace, sim.Conditions(seed=seed, interruption_rate=interruption_rate, prices=prices),
                          with_static_peak=static_peak)
    app.out(json.dumps([r.row() for r in results], indent=2) if as_json else sim.render(results))
    if plot_file:
        from jenkinsctl.agents.simplot import plot

        plot(results, plot_file, f"{len(trace)} builds, seed {seed}")
        app.info(f"wrote {plot_file}")


@agents.group("image")
def image() -> None:
    """The agent image (images/agent/Dockerfile): the inbound agent with jenkinsctl, python3,
    git and the docker CLI, so agents can run `jenkinsctl step ...`.

    \b
      jenkinsctl agents image build [--base REF] [--wheel PATH]   # prints IMAGE=, IMAGE_ID=
      jenkinsctl agents image push                                # prints IMAGE_DIGEST=, IMAGE_URI=
    Then an agent template may say `image: jenkinsctl-agent` (that image, by digest).
    """


@image.command("build")
@click.option("--base", metavar="REF", help="The inbound agent image to build on (BASE build arg), from a "
              "trusted registry, pinned; default: the Dockerfile's (jenkins/inbound-agent by digest).")
@click.option("--wheel", "wheel_path", type=click.Path(dir_okay=False, exists=True), metavar="PATH",
              help="jenkinsctl's wheel to install (default: built from this source checkout, or this "
                   "version downloaded from your package index).")
@click.option("--policy", type=click.Choice(["error", "warn"]), default="error", show_default=True)
@click.option("--no-cache", is_flag=True, help="Build without the engine's layer cache.")
@dry_run_option
@pass_app
def image_build(app: AppContext, base, wheel_path, policy: str, no_cache: bool) -> None:
    """Build the agent image through jenkinsctl's build path (Dockerfile policy, OCI labels,
    image check) and tag it <jenkinsctl version>-<hash of its inputs>."""
    import tempfile
    from pathlib import Path

    from jenkinsctl import packaging
    from jenkinsctl.agents import image as agent_image

    loaded = app.config()
    with tempfile.TemporaryDirectory(prefix="jenkinsctl-agent-image-") as tmp:
        work = Path(tmp)
        if wheel_path:
            wheel = Path(wheel_path).resolve()
            packaging.wheel_version(wheel)
        elif packaging.source_checkout():
            wheel = packaging.build_wheel(work / "dist", report=app.info)
        else:
            wheel = packaging.download_wheel(work / "dist")
        house = packaging.wheelhouse(wheel, packaging.cache_dir(dict(app.environ)), report=app.info)
        inputs = agent_image.Inputs(wheel, house, base)
        engine = None if app.dry_run else app.factory.docker()
        values = agent_image.build(loaded, inputs, engine, work, policy, not no_cache, app.info, app.dry_run,
                                   login=lambda endpoint: _login(app, loaded.config, engine, endpoint))
    for key in ("IMAGE", "IMAGE_ID", "IMAGE_TAG", "VERSION"):
        if key in values:
            app.out(f"{key}={values[key]}")


@image.command("push")
@dry_run_option
@pass_app
def image_push(app: AppContext) -> None:
    """Push the agent image `agents image build` made here: ECR repository ensured (immutable
    tags), digest verified; recorded for templates that say `image: jenkinsctl-agent`."""
    from jenkinsctl.agents import image as agent_image

    loaded = app.config()
    clients = app.factory.aws(loaded.config)
    engine = None if app.dry_run else app.factory.docker()
    values = agent_image.push(loaded, clients.ecr, engine, app.factory.registry, app.info, app.dry_run)
    for key in ("IMAGE", "IMAGE_DIGEST", "IMAGE_URI", "IMAGE_TAG"):
        if key in values:
            app.out(f"{key}={values[key]}")
    if not app.dry_run:
        app.info(f"templates with `image: {agent_image.ALIAS}` now mean {values['IMAGE_URI']}")


def _login(app: AppContext, config, engine, endpoint: str) -> None:
    """Log the engine in to the registry the base comes from, when it is this configuration's
    (ECR's token; the sandbox registry's credentials); others must be logged in already."""
    from jenkinsctl.registry.addressing import own_image_target

    if endpoint != own_image_target(config, "x").endpoint:
        return
    creds = app.factory.aws(config).ecr.authorization()
    engine.login(endpoint, creds.username, creds.password)
