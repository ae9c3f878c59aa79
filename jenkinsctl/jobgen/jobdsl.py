"""config.xml (as jenkins-job-builder rendered it) -> Job DSL Groovy, for shops that run the Job DSL
plugin's seed jobs. Translating the XML, not the templates, keeps both outputs equal by
construction; an element this translator does not know is an error (never silently dropped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Iterable

from jenkinsctl.errors import UsageError

# Elements that carry only Jenkins' defaults (safe to leave out of the DSL).
_DEFAULTS = {"actions", "keepDependencies", "icon", "views", "viewsTabBar", "primaryView", "healthMetrics",
             "blockBuildWhenDownstreamBuilding", "blockBuildWhenUpstreamBuilding", "concurrentBuild",
             "canRoam", "scm", "publishers", "buildWrappers", "folderViews", "builders"}
P = "org.jenkinsci.plugins.workflow.job.properties."


def gstr(text: str) -> str:
    """A Groovy single-quoted string literal (no interpolation); triple-quoted when multi-line."""
    body = text.replace("\\", "\\\\").replace("'", "\\'")
    if "\n" in text:
        return "'''" + body + "'''"
    return "'" + body + "'"


def job_dsl(name: str, xml: str) -> str:
    root = ET.fromstring(xml.encode("utf-8"))
    if root.tag == "com.cloudbees.hudson.plugins.folder.Folder":
        return _folder(name, root)
    if root.tag == "flow-definition":
        return _pipeline(name, root)
    if root.tag == MULTIBRANCH:
        return _multibranch(name, root)
    raise _unsupported(name, f"<{root.tag}> items")


def job_dsl_script(jobs: Iterable[tuple[str, str]], header: str = "") -> str:
    """One script for many items (folders before the jobs inside them, as given)."""
    parts = [header.rstrip()] if header else []
    parts += [job_dsl(name, xml) for name, xml in jobs]
    return "\n\n".join(parts) + "\n"


def _folder(name: str, root: ET.Element) -> str:
    _check(name, root, {"description", "properties"})
    lines = [f"folder({gstr(name)}) {{"]
    lines.append(f"    description({gstr(root.findtext('description') or '')})")
    if len(root.find("properties") or []):
        raise _unsupported(name, "folder properties")
    lines.append("}")
    return "\n".join(lines)


def _pipeline(name: str, root: ET.Element) -> str:
    _check(name, root, {"description", "properties", "definition", "disabled"})
    out = [f"pipelineJob({gstr(name)}) {{", f"    description({gstr(root.findtext('description') or '')})"]
    if root.findtext("disabled") == "true":
        out.append("    disabled()")
    props = root.find("properties")
    job_props: list[str] = []
    for prop in (props if props is not None else []):
        tag = prop.tag
        if tag == "jenkins.model.BuildDiscarderProperty":
            strategy = prop.find("strategy")
            rot = []
            for xml_name, dsl_name in (("numToKeep", "numToKeep"), ("daysToKeep", "daysToKeep"),
                                       ("artifactNumToKeep", "artifactNumToKeep"),
                                       ("artifactDaysToKeep", "artifactDaysToKeep")):
                value = strategy.findtext(xml_name) if strategy is not None else None
                if value and value != "-1":
                    rot.append(f"        {dsl_name}({int(value)})")
            out += ["    logRotator {", *rot, "    }"]
        elif tag == "hudson.model.ParametersDefinitionProperty":
            out += ["    parameters {", *_parameters(name, prop), "    }"]
        elif tag == P + "DisableConcurrentBuildsJobProperty":
            job_props.append("        disableConcurrentBuilds()")
        elif tag == P + "PipelineTriggersJobProperty":
            specs = []
            for trig in prop.find("triggers") or []:
                if trig.tag != "hudson.triggers.SCMTrigger":
                    raise _unsupported(name, f"trigger <{trig.tag}>")
                specs.append(f"                pollSCM {{ scmpoll_spec({gstr(trig.findtext('spec') or '')}) }}")
            job_props += ["        pipelineTriggers {", "            triggers {", *specs, "            }",
                          "        }"]
        else:
            raise _unsupported(name, f"property <{tag}>")
    if job_props:
        out += ["    properties {", *job_props, "    }"]
    definition = root.find("definition")
    if definition is None or not definition.get("class", "").endswith("CpsFlowDefinition"):
        raise _unsupported(name, "pipeline definitions other than an inline script")
    out += ["    definition {", "        cps {",
            f"            script({gstr(definition.findtext('script') or '')})",
            f"            sandbox({'true' if definition.findtext('sandbox') == 'true' else 'false'})",
            "        }", "    }", "}"]
    return "\n".join(out)


MULTIBRANCH = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
_MB_DEFAULTS = {"views", "viewsTabBar", "folderViews", "healthMetrics", "icon", "actions", "keepDependencies",
                "blockBuildWhenDownstreamBuilding", "blockBuildWhenUpstreamBuilding", "concurrentBuild",
                "canRoam", "publishers", "buildWrappers"}  # JJB writes these for every job type; Jenkins' defaults
_TRAITS = {"jenkins.plugins.git.traits.BranchDiscoveryTrait"}
_INTERVALS = {"60000": "1m", "120000": "2m", "300000": "5m", "600000": "10m", "900000": "15m", "1200000": "20m",
              "1500000": "25m", "1800000": "30m", "3600000": "1h", "7200000": "2h", "14400000": "4h",
              "28800000": "8h", "43200000": "12h", "86400000": "1d", "172800000": "2d", "604800000": "1w",
              "1209600000": "2w", "2419200000": "4w"}
TRIGGER_PROP = "org.jenkinsci.plugins.workflow.multibranch.PipelineTriggerProperty"


def _multibranch(name: str, root: ET.Element) -> str:
    """Job DSL's multibranchPipelineJob (job-dsl-plugin core: branchSources/git, orphanedItemStrategy/
    discardOldItems; dynamic DSL: periodicFolderTrigger, workflowBranchProjectFactory,
    pipelineTriggerProperty) for exactly what the ci template emits."""
    known = {"description", "properties", "orphanedItemStrategy", "triggers", "sources", "factory", "disabled"}
    for child in root:
        if child.tag not in known and child.tag not in _MB_DEFAULTS:
            raise _unsupported(name, f"<{child.tag}> in a multibranch project")
    out = [f"multibranchPipelineJob({gstr(name)}) {{", f"    description({gstr(root.findtext('description') or '')})"]
    sources = root.findall("sources/data/jenkins.branch.BranchSource")
    if not sources:
        raise _unsupported(name, "a multibranch project without a branch source")
    out.append("    branchSources {")
    for bs in sources:
        src = bs.find("source")
        if src is None or src.get("class") != "jenkins.plugins.git.GitSCMSource":
            raise _unsupported(name, f"branch source {src.get('class') if src is not None else '(none)'}")
        traits = [t.tag for t in src.find("traits") or []]
        extra = [t for t in traits if t not in _TRAITS]
        if extra or "jenkins.plugins.git.traits.BranchDiscoveryTrait" not in traits:
            raise _unsupported(name, f"git source traits {extra or traits}")
        out += ["        git {", f"            id({gstr(src.findtext('id') or '')})",
                f"            remote({gstr(src.findtext('remote') or '')})",
                f"            credentialsId({gstr(src.findtext('credentialsId') or '')})", "        }"]
    out.append("    }")
    ois = root.find("orphanedItemStrategy")
    if ois is not None:
        if ois.findtext("pruneDeadBranches") != "true":
            raise _unsupported(name, "an orphaned item strategy that keeps dead branches")
        out += ["    orphanedItemStrategy {", "        discardOldItems {",
                f"            daysToKeep({int(ois.findtext('daysToKeep') or -1)})",
                f"            numToKeep({int(ois.findtext('numToKeep') or -1)})", "        }", "    }"]
    triggers = list(root.find("triggers") or [])
    if triggers:
        out.append("    triggers {")
        for trig in triggers:
            interval = _INTERVALS.get(trig.findtext("interval") or "")
            if not trig.tag.endswith("PeriodicFolderTrigger") or interval is None:
                raise _unsupported(name, f"trigger <{trig.tag}>")
            out.append(f"        periodicFolderTrigger {{ interval({gstr(interval)}) }}")
        out.append("    }")
    props = list(root.find("properties") or [])
    if props:
        out.append("    properties {")
        for prop in props:
            if prop.tag != TRIGGER_PROP:
                raise _unsupported(name, f"folder property <{prop.tag}>")
            fields = ("createActionJobsToTrigger", "deleteActionJobsToTrigger", "actionJobsToTriggerOnRunDelete",
                      "branchIncludeFilter", "branchExcludeFilter")
            out += ["        pipelineTriggerProperty {",
                    *[f"            {f}({gstr(prop.findtext(f) or '')})" for f in fields],
                    "            additionalParameters {}", "        }"]
        out.append("    }")
    factory = root.find("factory")
    if factory is None or factory.get("class") != "org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory":
        raise _unsupported(name, "a branch project factory other than a Jenkinsfile from SCM")
    out += ["    factory {", "        workflowBranchProjectFactory {",
            f"            scriptPath({gstr(factory.findtext('scriptPath') or 'Jenkinsfile')})", "        }", "    }", "}"]
    return "\n".join(out)


def _parameters(name: str, prop: ET.Element) -> list[str]:
    lines = []
    holder = prop.find("parameterDefinitions")
    for p in (holder if holder is not None else []):
        pname = gstr(p.findtext("name") or "")
        desc = gstr(p.findtext("description") or "")
        if p.tag == "hudson.model.ChoiceParameterDefinition":
            choices = ", ".join(gstr(s.text or "") for s in p.iter("string"))
            lines.append(f"        choiceParam({pname}, [{choices}], {desc})")
        elif p.tag == "hudson.model.StringParameterDefinition":
            lines.append(f"        stringParam({pname}, {gstr(p.findtext('defaultValue') or '')}, {desc})")
        elif p.tag == "hudson.model.BooleanParameterDefinition":
            value = "true" if (p.findtext("defaultValue") or "").lower() == "true" else "false"
            lines.append(f"        booleanParam({pname}, {value}, {desc})")
        else:
            raise _unsupported(name, f"parameter type <{p.tag}>")
    return lines


def _check(name: str, root: ET.Element, known: set[str]) -> None:
    for child in root:
        if child.tag in known:
            continue
        if child.tag in _DEFAULTS and not _meaningful(child):
            continue
        raise _unsupported(name, f"<{child.tag}>")


def _meaningful(el: ET.Element) -> bool:
    if el.tag == "scm":
        return el.get("class") not in (None, "hudson.scm.NullSCM")
    if el.tag in ("icon", "viewsTabBar", "primaryView", "views", "healthMetrics", "canRoam", "concurrentBuild"):
        return False
    return len(el) > 0 or (el.text or "").strip() not in ("", "false")


def _unsupported(name: str, what: str) -> UsageError:
    return UsageError(f"{name}: the Job DSL output cannot express {what}",
                      "use --format xml (or jjb) for this job, or extend jenkinsctl/jobgen/jobdsl.py")
