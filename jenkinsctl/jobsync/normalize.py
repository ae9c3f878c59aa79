"""config.xml as Jenkins re-serializes it: structural comparison, the diff of an update, and
what a folder's config holds that deleting it would lose."""

from __future__ import annotations

import difflib
import xml.etree.ElementTree as ET

from jenkinsctl.jenkins.client import JenkinsClient
from jenkinsctl.jobsync.plan import Action


def normalize_xml(xml: str) -> str:
    """Jenkins re-serializes config.xml; compare structure, not formatting."""
    try:
        root = ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError:
        return xml
    for el in root.iter():
        if el.text is not None and not el.text.strip() and len(el):
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def diff_action(client: JenkinsClient, action: Action) -> str:
    """Unified diff of config.xml (Jenkins' copy -> the generated one) for an update."""
    current = client.get_config(action.name)
    assert action.job is not None
    return "".join(difflib.unified_diff(normalize_xml(current).splitlines(True),
                                        normalize_xml(action.job.xml).splitlines(True),
                                        f"jenkins:{action.name}/config.xml", f"generated:{action.name}/config.xml"))


def folder_credentials(xml: str) -> list[str]:
    """Ids of the credentials stored in a folder (config.xml), which deleting the folder would
    delete too: admins may add some to the folders jenkinsctl creates."""
    try:
        root = ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError:
        return ["(unreadable config.xml)"]
    return [el.findtext("id") or "?" for prop in root.iter() if prop.tag.endswith("FolderCredentialsProperty")
            for el in prop.iter() if el.find("id") is not None]
