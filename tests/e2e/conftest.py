"""End-to-end flows push whole services: each test gets a registry of its own, because pushed
tags are immutable and a fresh engine rebuilds the same version to another digest."""

from __future__ import annotations

import pytest


@pytest.fixture
def registry(fresh_registry):
    return fresh_registry


@pytest.fixture
def base_image(fresh_base_image):
    return fresh_base_image
