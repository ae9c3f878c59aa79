"""jenkinsctl: the companion of a Jenkins controller delivering containers to AWS ECS."""

__version__ = "0.1.0"
