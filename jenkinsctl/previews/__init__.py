"""Preview environments: a branch's own short-lived copy of a base environment (see manager.py)."""
