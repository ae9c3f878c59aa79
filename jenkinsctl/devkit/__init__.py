"""Development tools, never imported by the runtime: the Jenkins REST fake (`devkit.jenkins_fake`),
the sandbox's AWS infrastructure helper (`devkit.sandbox_infra`) and the Groovy syntax checker
(`devkit.groovy_check`). `tests/unit/test_boundaries.py` holds the runtime to that."""
