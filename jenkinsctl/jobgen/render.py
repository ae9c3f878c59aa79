"""Descriptors + the templates in `jobs/` -> job definitions -> config.xml, through
jenkins-job-builder's own Python API (the same code path as `jenkins-jobs test`).

Each job's description ends with its ownership mark (see marks.py); the mark's hash is the
sha256 of the config.xml without the mark, so equal hashes mean equal configs."""

from __future__ import annotations

import logging
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from jenkinsctl.errors import UsageError
from jenkinsctl.jobgen.marks import Mark, config_hash
from jenkinsctl.jobgen.params import (
    FOLDER_TEMPLATE,
    PREVIEWS_GROUP,
    PROMOTION_GROUP,
    SERVICE_GROUP,
    folder_entries,
    service_params,
)

MAGIC = "<!-- Managed by Jenkins Job Builder -->"
ITEM_CLASSES = {"flow-definition": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                "project": "hudson.model.FreeStyleProject"}
FOLDER_TAG = "com.cloudbees.hudson.plugins.folder.Folder"
# What a Folder persists (cloudbees-folder: AbstractItem's displayName/description, actions,
# AbstractFolder's properties, folderViews, healthMetrics, icon). JJB's folder type also writes the
# freestyle fields (scm, publishers, buildWrappers, concurrentBuild...) and the legacy views
# fields, which Jenkins reports as old data: they are left out.
FOLDER_FIELDS = ("actions", "description", "displayName", "properties", "folderViews", "healthMetrics", "icon")


@dataclass(frozen=True)
class RenderedJob:
    name: str             # full name, folders joined by '/'
    kind: str             # folder | ci | deploy | promote | rollback | job (an admin's extra template)
    service: str          # '' for shared folders
    xml: str              # config.xml, mark included
    config: str           # hash of the config without the mark

    @property
    def is_folder(self) -> bool:
        return self.kind == "folder"

    @property
    def item_class(self) -> str:
        """The Jenkins class of the item (its config.xml root element; `flow-definition` is a WorkflowJob)."""
        tag = self.xml.split("?>", 1)[-1].lstrip().lstrip("<").split(None, 1)[0].split(">", 1)[0].rstrip("/")
        return ITEM_CLASSES.get(tag, tag)


@dataclass
class JobSet:
    namespace: str
    root: str
    jobs: list[RenderedJob]

    def by_name(self) -> dict[str, RenderedJob]:
        return {j.name: j for j in self.jobs}

    def for_service(self, service: str) -> list[RenderedJob]:
        return [j for j in self.jobs if j.service == service and not j.is_folder]

    @property
    def services(self) -> list[str]:
        return sorted({j.service for j in self.jobs if j.service})


def templates_dir(root: Path | None, environ: dict[str, str] | None = None) -> Path:
    """`$JENKINSCTL_JOB_TEMPLATES`, else `jobs/` beside jenkinsctl.yaml (a descriptors repository's
    own templates), else the ones shipped with jenkinsctl (in its wheel, or its source checkout)."""
    environ = environ or {}
    if environ.get("JENKINSCTL_JOB_TEMPLATES"):
        return Path(environ["JENKINSCTL_JOB_TEMPLATES"])
    if root is not None and (root / "jobs" / "templates.yaml").is_file():
        return root / "jobs"
    from jenkinsctl.shipped import shipped

    return shipped("jobs")


PARALLEL_FROM = 200  # services; below this one process is faster than starting workers


def render(services: Iterable[Any], config: Any, templates: Path, namespace: str | None = None,
           workers: int | None = None, parallel_from: int = PARALLEL_FROM) -> JobSet:
    """Resolved services + config -> every folder and job, with marks. Pure: reads only `templates`.
    Many services are rendered in `workers` processes (default: one per CPU), each expanding the
    templates for its share; the output is the same as from one process."""
    services = sorted(services, key=lambda s: s.name)
    namespace = namespace or config.namespace
    projects = jjb_projects(services, config)  # one per service, then the folders' project
    folders = folder_entries(services, config)
    roots = {service_params(r, config)["job-root"]: r.name for r in services}
    folder_owner = {name: svc for name, svc, _ in folders}
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 1 and len(services) >= parallel_from:
        chunks = [projects[i::workers] for i in range(workers)]
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_render_chunk, [(templates, c, roots, folder_owner, namespace) for c in chunks]))
        out = [job for part in parts for job in part]
    else:
        out = _render_chunk((templates, projects, roots, folder_owner, namespace))
    order = {name: i for i, (name, _, _) in enumerate(folders)}
    out.sort(key=lambda j: (0, order.get(j.name, 0), "") if j.is_folder else (1, 0, j.name))
    return JobSet(namespace, config.jenkins.folder, out)


def _render_chunk(args: tuple) -> list[RenderedJob]:
    """Some projects -> their rendered jobs (runs in a worker process for large renders)."""
    from jenkins_jobs.errors import JenkinsJobsException

    templates, projects, roots, folder_owner, namespace = args
    try:
        generated = _generate(templates, projects)
    except JenkinsJobsException as exc:
        raise UsageError(_jjb_message(exc),
                         "fix the template (jenkins-job-builder syntax) and run `jenkinsctl jobs render` again") from exc
    out = []
    for name, xml_job, definition in generated:
        if definition.get("project-type") == "folder":
            service, kind = folder_owner.get(name, ""), "folder"
        else:
            service, kind = roots.get(name.rpartition("/")[0], ""), job_kind(name)
        out.append(_finish(name, kind, service, xml_job, namespace))
    return out


def _jjb_message(exc: Any) -> str:
    """JJB's located context (`file:line:col: what`), keeping only places in the template files
    (the generated in-memory projects have no file and are not the user's to fix)."""
    lines = []
    for ctx in [*getattr(exc, "ctx", []), type("Here", (), {"message": "here", "pos": getattr(exc, "pos", None)})]:
        pos = ctx.pos
        path = str(getattr(pos, "path", "") or "")
        if pos is None or not path or path.startswith("<"):
            continue
        lines.append(f"  {path}:{pos.line + 1}:{pos.column + 1}: {ctx.message}")
    return f"job templates: {getattr(exc, 'message', exc)}" + ("\n" + "\n".join(lines) if lines else "")


def job_kind(full_name: str) -> str:
    """ci | promote | rollback | deploy | job, from a job's name."""
    short = full_name.rsplit("/", 1)[-1]
    if short in ("ci", "promote", "rollback", "env-gc"):
        return short
    return "deploy" if short.startswith("deploy-") else "job"


def _project(resolved: Any, config: Any) -> dict:
    params = service_params(resolved, config)
    groups = [SERVICE_GROUP] + ([PROMOTION_GROUP] if params.pop("has-promotions") else []) + \
        ([PREVIEWS_GROUP] if params.pop("has-previews") else [])
    return {"project": {"name": resolved.name, **params, "jobs": groups}}


def jjb_projects(services: Iterable[Any], config: Any) -> list[dict]:
    """The JJB `project` entries (services, then folders) the templates expand: with `jobs/` this
    is plain jenkins-job-builder input (`jenkins-jobs test jobs/ projects.yaml`)."""
    services = sorted(services, key=lambda s: s.name)
    projects = [_project(r, config) for r in services]
    projects.append({"project": {"name": "jenkinsctl-folders", "jobs": [
        {FOLDER_TEMPLATE: {"folder-name": name, "folder-description": desc}}
        for name, _, desc in folder_entries(services, config)]}})
    return projects


def _generate(templates: Path, projects: list[dict]) -> list[tuple[str, Any, dict]]:
    from jenkins_jobs.config import JJBConfig
    from jenkins_jobs.loader import load_files
    from jenkins_jobs.registry import ModuleRegistry
    from jenkins_jobs.roots import Roots, root_adders

    jjb_log = logging.getLogger("jenkins_jobs")
    level = jjb_log.level
    jjb_log.setLevel(logging.ERROR)
    try:
        jjb = JJBConfig(config_filename=os.devnull)  # no user or system jenkins_jobs.ini: output must not vary
        jjb.builder["plugins_info"] = []
        roots = Roots(jjb)
        load_files(jjb, roots, [templates])  # the admin's files: errors point at file:line:col
        for entry in projects:  # ours: added as data, no YAML round trip
            (kind, contents), = entry.items()
            root_adders[kind](jjb, roots, _loc(contents), None)
        registry = ModuleRegistry(jjb, [])
        registry.set_macros(roots.macros)
        jobs = roots.generate_jobs()
        registry.amend_job_dicts(jobs)
        xml_jobs = _xml_generator(registry).generateXML(jobs)
    finally:
        jjb_log.setLevel(level)
    return [(x.name, x, dict(j.data)) for x, j in zip(xml_jobs, jobs, strict=True)]


def _loc(value: Any) -> Any:
    """Plain data -> the position-carrying containers JJB's loader produces."""
    from jenkins_jobs.loc_loader import LocDict, LocList

    if isinstance(value, dict):
        return LocDict({k: _loc(v) for k, v in value.items()})
    if isinstance(value, list):
        return LocList([_loc(v) for v in value])
    return value


def _xml_generator(registry: Any) -> Any:
    """JJB's XmlJobGenerator, with the project-type module looked up once per type instead of
    once per job (pkg_resources' entry point load dominates otherwise: ~12 ms a job)."""
    import pkg_resources
    from jenkins_jobs.xml_config import XmlJob, XmlJobGenerator

    class CachedXmlJobGenerator(XmlJobGenerator):
        modules: dict[str, Any] = {}

        def _getXMLForData(self, data):
            kind = data.get(self.kind_attribute, self.kind_default)
            if kind not in self.modules:
                eps = list(pkg_resources.iter_entry_points(group=self.entry_point_group, name=kind))
                if not eps:
                    return super()._getXMLForData(data)  # JJB's own "Unrecognized project-type" error
                self.modules[kind] = eps[0].load()
            xml = self.modules[kind](self.registry).root_xml(data)
            self._gen_xml(xml, data)
            return XmlJob(xml, data["name"])

    return CachedXmlJobGenerator(registry)


def drop_non_folder_fields(element: ET.Element) -> None:
    """A folder's config.xml as JJB wrote it -> only what a Folder persists (in place)."""
    if element.tag == FOLDER_TAG:
        for child in [c for c in element if c.tag not in FOLDER_FIELDS]:
            element.remove(child)


def _finish(name: str, kind: str, service: str, xml_job: Any, namespace: str) -> RenderedJob:
    element = xml_job.xml
    drop_non_folder_fields(element)
    desc_el = element.find("description")
    if desc_el is None:
        desc_el = ET.SubElement(element, "description")
    base = (desc_el.text or "").replace(MAGIC, "").rstrip()
    # One serialization: the hash covers the XML with a placeholder where the mark goes; the mark
    # (plain ASCII, nothing to escape) then replaces the placeholder.
    placeholder = "@@jenkinsctl-mark@@"
    desc_el.text = (base + "\n\n" if base else "") + placeholder
    ET.indent(element, space="  ")
    text = _xml_text(element)
    digest = config_hash(text)
    mark = Mark(namespace, service or "-", digest).render()
    return RenderedJob(name, kind, service, text.replace(placeholder, mark), digest)


def _xml_text(element: ET.Element) -> str:
    """The XML JJB generated, serialized like `jenkins-jobs test` does (2-space indent) but with
    ElementTree instead of minidom, which costs ~7 ms a job."""
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode") + "\n"
