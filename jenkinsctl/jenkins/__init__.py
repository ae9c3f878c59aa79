"""Jenkins: the client (the one wrapper over python-jenkins) and job sync (plan/diff/apply/prune)."""
