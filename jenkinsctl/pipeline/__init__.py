"""Run a service's pipeline locally: the standard Jenkinsfile's stages, in its order."""
