"""The repository config `jenkinsctl.yaml`: organisation defaults shared by every service."""
