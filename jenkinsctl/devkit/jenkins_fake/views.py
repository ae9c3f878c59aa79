"""The JSON shapes Jenkins answers for items, builds, the queue and nodes (lazy where nested)."""

from __future__ import annotations

from typing import Any

from jenkinsctl.devkit.jenkins_fake.state import RUN_CLASSES, Build, Item, Node, QueueItem, State


def job_url(base: str, full_name: str) -> str:
    return base + "".join(f"job/{p}/" for p in full_name.split("/") if p)


def color(item: Item) -> str | None:
    if item.is_folder:
        return None
    if item.disabled:
        return "disabled"
    if not item.builds:
        return "notbuilt"
    last = item.builds[max(item.builds)]
    done = [b for b in item.builds.values() if not b.building]
    base = "notbuilt"
    if done:
        res = done[-1].result
        base = {"SUCCESS": "blue", "FAILURE": "red", "UNSTABLE": "yellow", "ABORTED": "aborted"}.get(res or "", "grey")
    return base + ("_anime" if last.building else "")


def item_json(state: State, base: str, item: Item) -> dict[str, Any]:
    url = job_url(base, item.full_name)
    out: dict[str, Any] = {
        "_class": item.cls,
        "name": item.name,
        "fullName": item.full_name,
        "displayName": item.display_name or item.name,
        "fullDisplayName": item.full_name.replace("/", " » "),
        "url": url,
        "description": item.description or None,
    }
    if item.is_folder or item.is_multibranch:  # a multibranch project lists its branch jobs, has no color
        out["jobs"] = lambda: [item_json(state, base, c) for c in state.children(item.full_name)]
        if item.is_multibranch:
            out["disabled"] = item.disabled
        return out
    builds = sorted(item.builds.values(), key=lambda b: -b.number)

    def ref(b):
        return {"_class": RUN_CLASSES.get(item.cls, "hudson.model.Run"), "number": b.number,
                "url": f"{url}{b.number}/"} if b else None
    done = [b for b in builds if not b.building]
    out.update({
        "color": color(item),
        "buildable": not item.disabled,
        "disabled": item.disabled,
        "inQueue": any(q.job == item.full_name for q in state.queue.values()),
        "nextBuildNumber": item.next_build,
        "builds": [build_json(state, base, b) for b in builds],
        "lastBuild": ref(builds[0] if builds else None),
        "lastCompletedBuild": ref(done[0] if done else None),
        "property": [{"_class": "hudson.model.ParametersDefinitionProperty", "parameterDefinitions": [
            {"_class": "hudson.model.StringParameterDefinition", "name": k,
             "defaultParameterValue": {"_class": "hudson.model.StringParameterValue", "name": k, "value": v}}
            for k, v in item.parameter_defaults().items()]}] if item.parameter_defaults() else [],
    })
    return out


def root_json(state: State, base: str) -> dict[str, Any]:
    return {"_class": "hudson.model.Hudson", "mode": "NORMAL", "nodeName": "", "nodeDescription": "the fake Jenkins",
            "numExecutors": 0, "useCrumbs": True, "useSecurity": True, "url": base,
            "jobs": lambda: [item_json(state, base, c) for c in state.children("")]}


def build_json(state: State, base: str, build: Build) -> dict[str, Any]:
    item = state.get(build.job)
    return {
        "_class": RUN_CLASSES.get(item.cls, "hudson.model.Run"),
        "number": build.number, "id": str(build.number), "url": f"{job_url(base, build.job)}{build.number}/",
        "displayName": f"#{build.number}", "fullDisplayName": f"{build.job.replace('/', ' » ')} #{build.number}",
        "building": build.building, "result": build.result, "timestamp": build.timestamp,
        "duration": build.duration, "estimatedDuration": estimated_duration(item, build), "builtOn": build.node or "",
        "queueId": build.queue_id,
        "actions": [
            {"_class": "hudson.model.ParametersAction", "parameters": [
                {"_class": "hudson.model.StringParameterValue", "name": k, "value": v}
                for k, v in build.parameters.items()]},
            cause_action(base, build.upstream),
        ],
    }


def cause_action(base: str, upstream: tuple[str, int] | None) -> dict[str, Any]:
    """CauseAction as Jenkins core exports it (hudson.model.Cause: UpstreamCause's upstreamProject,
    upstreamBuild and upstreamUrl, every cause's shortDescription)."""
    if upstream is None:
        return {"_class": "hudson.model.CauseAction", "causes": [
            {"_class": "hudson.model.Cause$UserIdCause", "shortDescription": "Started by user"}]}
    job, number = upstream
    return {"_class": "hudson.model.CauseAction", "causes": [
        {"_class": "hudson.model.Cause$UpstreamCause",
         "shortDescription": f"Started by upstream project \"{job}\" build number {number}",
         "upstreamBuild": number, "upstreamProject": job, "upstreamUrl": job_url("", job)}]}


def estimated_duration(item, build: Build) -> int:
    """Jenkins' Job.getEstimatedDuration: the mean duration of the last (up to 3) successful
    builds before this one (failed ones when there are none; an aborted build says nothing about
    how long the job takes), -1 without history."""
    done = [b for n, b in sorted(item.builds.items(), reverse=True)
            if n != build.number and not b.building and b.result != "ABORTED"]
    pick = [b for b in done if b.result == "SUCCESS"][:3] or done[:3]
    return int(sum(b.duration for b in pick) / len(pick)) if pick else -1


def queue_item_json(state: State, base: str, q: QueueItem) -> dict[str, Any]:
    item = state.items.get(q.job)
    task = {"_class": item.cls if item else "hudson.model.FreeStyleProject", "name": q.job.rsplit("/", 1)[-1],
            "fullName": q.job, "url": job_url(base, q.job), "color": color(item) if item else "notbuilt"}
    out: dict[str, Any] = {
        "id": q.id, "url": f"queue/item/{q.id}/", "task": task, "inQueueSince": q.in_queue_since,
        "params": "".join(f"\n{k}={v}" for k, v in q.parameters.items()),
        "actions": [{"_class": "hudson.model.ParametersAction", "parameters": [
            {"_class": "hudson.model.StringParameterValue", "name": k, "value": v} for k, v in q.parameters.items()]},
            cause_action(base, q.upstream)],
    }
    if q.build_number is not None or q.cancelled:
        out.update({"_class": "hudson.model.Queue$LeftItem", "cancelled": q.cancelled, "blocked": False,
                    "buildable": False, "stuck": False, "why": None})
        out["executable"] = ({"_class": RUN_CLASSES.get(task["_class"], "hudson.model.Run"), "number": q.build_number,
                              "url": f"{task['url']}{q.build_number}/"} if q.build_number is not None else None)
    else:
        out.update({"_class": "hudson.model.Queue$BuildableItem", "blocked": False, "buildable": True,
                    "stuck": False, "why": state.why(q), "buildableStartMilliseconds": q.buildable_since,
                    "pending": False})
    return out


def node_json(state: State, base: str, node: Node) -> dict[str, Any]:
    def executor(i: int) -> dict[str, Any]:
        busy = node.busy.get(i)
        current = None
        if busy:
            job, number = busy
            item = state.items.get(job)
            current = {"_class": RUN_CLASSES.get(item.cls if item else "", "hudson.model.Run"), "number": number,
                       "url": f"{job_url(base, job)}{number}/",
                       "fullDisplayName": f"{job.replace('/', ' » ')} #{number}"}
        return {"_class": "hudson.model.Executor", "currentExecutable": current, "idle": busy is None,
                "likelyStuck": False, "number": i, "progress": 50 if busy else -1}

    offline = node.offline or node.temporarily_offline
    cause = ({"_class": "hudson.slaves.OfflineCause$UserCause", "description": node.offline_message or "offline"}
             if offline else None)
    return {
        "_class": "hudson.slaves.SlaveComputer", "displayName": node.name, "description": "",
        "assignedLabels": [{"name": node.name}] + [{"name": lb} for lb in node.labels],
        "icon": "computer-x.png" if offline else "computer.png", "idle": node.idle,
        "jnlpAgent": True, "launchSupported": False, "manualLaunchAllowed": True,
        "numExecutors": node.executors, "offline": offline, "temporarilyOffline": node.temporarily_offline,
        "offlineCause": cause, "offlineCauseReason": node.offline_message if offline else "",
        "executors": [executor(i) for i in range(node.executors)], "oneOffExecutors": [], "monitorData": {},
    }


def computer_set_json(state: State, base: str) -> dict[str, Any]:
    nodes = list(state.nodes.values())
    return {"_class": "hudson.model.ComputerSet", "displayName": "Nodes",
            "busyExecutors": sum(len(n.busy) for n in nodes), "totalExecutors": sum(n.executors for n in nodes),
            "computer": [node_json(state, base, n) for n in nodes]}
