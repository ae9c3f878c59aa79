"""docs/iam.md says a cross-repository mount uploads no layer bytes only when the registry mounts
(ECR: blob mounting turned on, same encryption); otherwise ECR answers the mount with an upload and
promote copies the layers (ecr:UploadLayerPart is then used). This holds the code to that, on the
real registry, with a registry that answers mounts like ECR with blob mounting off."""

from __future__ import annotations

import os

import requests

from jenkinsctl.registry.client import CopyStats, Registry


class MountsOff(requests.Session):
    """ECR with blob mounting off (or other encryption): the mount request starts a plain upload
    session (202 + Location), as the distribution spec allows a registry to answer."""

    def __init__(self):
        super().__init__()
        self.mounts_asked = 0

    def request(self, method, url, params=None, **kwargs):
        if method == "POST" and params and "mount" in params:
            self.mounts_asked += 1
            params = None
        return super().request(method, url, params=params, **kwargs)


def test_a_mount_answered_with_an_upload_copies_the_layers(registry, base_image):
    session = MountsOff()
    reg = Registry(registry.endpoint, registry.user, registry.password, session=session)
    stats = CopyStats()
    repo = "release/mount-off-" + os.urandom(3).hex()
    digest = reg.copy_image(reg, base_image.repository, base_image.tag, repo, tags=["1.0.0"], stats=stats)
    assert digest == base_image.digest  # the same image, by digest
    assert session.mounts_asked >= 1 and stats.blobs_mounted == 0
    assert stats.blobs_copied == session.mounts_asked and reg.bytes_uploaded > 0  # layer bytes did go up
    assert registry.client().manifest_head(repo, "1.0.0") == base_image.digest

    mounting = registry.client()  # blob mounting on: nothing uploaded
    again = CopyStats()
    mounting.copy_image(mounting, base_image.repository, base_image.tag, repo + "-on", tags=["1.0.0"], stats=again)
    assert again.blobs_mounted >= 1 and mounting.bytes_uploaded == 0
