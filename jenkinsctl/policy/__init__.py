"""Dockerfile and image policy: checked before a build (`check_dockerfile`) and on the built
image (`check_image`). Each violation says `Dockerfile:LINE`, what is wrong and why."""

from jenkinsctl.policy.dockerfile import Instruction, parse_dockerfile
from jenkinsctl.policy.image import check_image
from jenkinsctl.policy.rules import Violation, check_dockerfile, enforce

__all__ = ["Instruction", "parse_dockerfile", "Violation", "check_dockerfile", "check_image", "enforce"]
