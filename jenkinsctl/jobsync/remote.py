"""Reading what Jenkins holds under the root folder, in as few `tree=` listings as the depth allows."""

from __future__ import annotations

from jenkinsctl.jenkins.client import JenkinsClient
from jenkinsctl.jobsync.plan import RemoteItem

FOLDER_CLASSES = ("com.cloudbees.hudson.plugins.folder.Folder",)
# folder-like items whose children Jenkins itself creates and deletes (branch indexing): items of
# ours, never folders to look into
COMPUTED_CLASSES = ("org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject",)
LEVELS_PER_REQUEST = 4


def _tree(levels: int) -> str:
    """`jobs[...]` nested `levels` deep; the deepest folders list their children as bare `{_class}`
    entries (Jenkins' answer to an unexpanded `jobs`), which says another request is needed."""
    q = "name,color,disabled,description,jobs"
    for _ in range(levels - 1):
        q = f"name,color,disabled,description,jobs[{q}]"
    return f"jobs[{q}]"


def read_remote(client: JenkinsClient, root: str) -> dict[str, RemoteItem] | None:
    """Every item under `root` (and `root` itself), from as few `tree=` listings as the depth
    allows (one for the standard layout); None when the root folder does not exist."""
    top = client.item_tree(root, "name,description," + _tree(LEVELS_PER_REQUEST))
    if top is None:
        return None
    items: dict[str, RemoteItem] = {root: _remote(root, top)}
    pending = [(root, top)]
    while pending:
        base, node = pending.pop()
        stack = [(base, node, 0)]
        while stack:
            prefix, obj, level = stack.pop()
            for child in obj.get("jobs") or []:
                if "name" not in child:  # deeper than this listing reached: list that folder itself
                    pending.append((prefix, client.item_tree(prefix, "name,description," +
                                                             _tree(LEVELS_PER_REQUEST)) or {}))
                    break
                name = f"{prefix}/{child['name']}"
                items[name] = _remote(name, child)
                if items[name].is_folder:
                    stack.append((name, child, level + 1))
    return items


def _remote(name: str, obj: dict) -> RemoteItem:
    cls = obj.get("_class", "")
    folder = cls not in COMPUTED_CLASSES and (cls in FOLDER_CLASSES or ("jobs" in obj and "color" not in obj))
    disabled = (obj.get("color") or "").startswith("disabled") or obj.get("disabled") is True
    return RemoteItem(name, cls, obj.get("description"), disabled, folder)
