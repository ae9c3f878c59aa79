"""Jenkins: the client (the one wrapper over python-jenkins) and its reads of agents and the queue.
Job sync (plan/diff/apply/prune) is `jenkinsctl.jobsync`."""
