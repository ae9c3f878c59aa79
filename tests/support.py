"""Helpers shared by the test tiers (importable: tests/ is on sys.path via conftest)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"

# Captured at import, before the hermetic fixture clears them: tests that can also run against a
# real Jenkins read these.
REAL_JENKINS = {k: os.environ.get(k) for k in ("JENKINS_URL", "JENKINS_USER", "JENKINS_API_TOKEN")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


# Folder-scoped credentials as Jenkins stores them in a folder's config.xml (credentials plugin).
FOLDER_CREDENTIALS = """<properties>
<com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-FolderCredentialsProperty>
<domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash"><entry>
<com.cloudbees.plugins.credentials.domains.Domain><specifications/></com.cloudbees.plugins.credentials.domains.Domain>
<java.util.concurrent.CopyOnWriteArrayList>{}</java.util.concurrent.CopyOnWriteArrayList>
</entry></domainCredentialsMap>
</com.cloudbees.hudson.plugins.folder.properties.FolderCredentialsProvider_-FolderCredentialsProperty>
</properties>"""
DEPLOY_KEY = ("<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope>"
              "<id>deploy-key</id><username>x</username><password>{AQAAAB}</password>"
              "</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>")
