"""The ownership mark every generated job and folder carries inside Jenkins, as the last line of
its description: which seed (namespace) owns it, for which service (`-` for the root and team
folders), and the hash of its config.

    [jenkinsctl namespace=platform service=orders-api config=3f2a9c01d4e5b6a7]

Sync reads marks from one listing of the folder tree, so it needs no local cache: a fresh
machine or a second seed agent decides exactly like the last one did. A job without a mark is
unmanaged; a job with another namespace belongs to another seed; neither is ever modified."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

_MARK = re.compile(r"\[jenkinsctl (?P<body>[^\]\n]*)\]\s*$")


@dataclass(frozen=True)
class Mark:
    namespace: str
    service: str
    config: str
    pruned: str | None = None  # ISO date when prune disabled the job; deletion waits for the grace period

    def render(self) -> str:
        extra = f" pruned={self.pruned}" if self.pruned else ""
        return f"[jenkinsctl namespace={self.namespace} service={self.service} config={self.config}{extra}]"


def config_hash(xml: str) -> str:
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()[:16]


def parse_mark(description: str | None) -> Mark | None:
    if not description:
        return None
    m = _MARK.search(description.rstrip())
    if not m:
        return None
    fields = dict(part.split("=", 1) for part in m.group("body").split() if "=" in part)
    if not {"namespace", "service", "config"} <= fields.keys():
        return None
    return Mark(fields["namespace"], fields["service"], fields["config"], fields.get("pruned"))


def with_mark(description: str | None, mark: Mark) -> str:
    """The description with its mark line replaced (or added)."""
    base = strip_mark(description or "")
    return (base + "\n\n" if base else "") + mark.render()


def strip_mark(description: str) -> str:
    return _MARK.sub("", description.rstrip()).rstrip()


def mark_of_xml(xml: str) -> Mark | None:
    """The mark in a job's or folder's config.xml (its `<description>`), if any."""
    try:
        root = ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError:
        return None
    return parse_mark(root.findtext("description"))


def set_mark(xml: str, mark: Mark) -> str:
    """config.xml with the description's mark replaced (or added)."""
    root = ET.fromstring(xml.encode("utf-8"))
    el = root.find("description")
    if el is None:
        el = ET.SubElement(root, "description")
    el.text = with_mark(el.text, mark)
    return "<?xml version='1.1' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="unicode")
