"""The composition root: every client jenkinsctl talks through (AWS, Jenkins, the Docker engine,
registries) is built here, once per process, from the process environment and the config, and
handed down. Nothing below the factory reads the environment: what it needs is passed in.

The CLI builds one `Factory(os.environ)`; a test builds one with its own environ."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from jenkinsctl.aws.session import AwsClients
    from jenkinsctl.config.loader import LoadedConfig
    from jenkinsctl.dockerengine import DockerEngine
    from jenkinsctl.jenkins.client import JenkinsClient
    from jenkinsctl.stepcache import StepWorkspace
    from jenkinsctl.workspace import Workspace


class Factory:
    def __init__(self, environ: Mapping[str, str], config_path: str | None = None):
        self.environ: Mapping[str, str] = dict(environ)
        self.config_path = config_path
        self._aws: dict[tuple, "AwsClients"] = {}
        self._loaded: LoadedConfig | None = None
        self._workspace: Workspace | None = None
        self._step_workspace: StepWorkspace | None = None

    # ---- the config and the descriptors ----

    def config(self) -> LoadedConfig:
        """The loaded jenkinsctl.yaml (`LoadedConfig`), environment overrides applied; loaded once."""
        if self._loaded is None:
            from jenkinsctl.config.loader import load_config

            self._loaded = load_config(self.config_path, self.environ)
        return self._loaded

    def workspace(self, paths=None) -> Workspace:
        """The validated workspace (every descriptor); loaded once unless `paths` narrows it."""
        from jenkinsctl.workspace import Workspace

        if paths:
            return Workspace.load(self.config_path, self.environ, paths=paths)
        if self._workspace is None:
            self._workspace = Workspace.load(self.config_path, self.environ)
        return self._workspace

    def step_workspace(self) -> StepWorkspace:
        """What a pipeline step reads (the config and every resolved service): from the step
        cache when nothing it depends on changed, else validated in full and cached."""
        if self._step_workspace is None:
            from jenkinsctl import stepcache

            self._step_workspace = stepcache.load(self.config_path, self.environ, self.workspace)
        return self._step_workspace

    # ---- AWS ----

    def aws(self, config=None, region: str | None = None, max_attempts: int = 5) -> "AwsClients":
        """The AWS clients of the identity jenkinsctl runs as, in `region` (default: the config's
        aws.region); one per region and process, so every environment's assumed role is cached for
        the whole run. `config`: the `Config` (default: the loaded one)."""
        from jenkinsctl.aws.session import AwsClients

        env = self.environ
        endpoint = (config.aws.endpoint_url if config is not None else None) \
            or env.get("JENKINSCTL_AWS_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL")
        if region is None:
            region = (config if config is not None else self.config().config).aws.region
        key = (region, endpoint, max_attempts)
        if key not in self._aws:
            self._aws[key] = AwsClients(region, endpoint, profile=env.get("AWS_PROFILE") or None,
                                        static_credentials=self._aws_credentials(endpoint),
                                        build_tag=env.get("BUILD_TAG") or None, max_attempts=max_attempts)
        return self._aws[key]

    def _aws_credentials(self, endpoint: str | None) -> tuple[str, ...] | None:
        """Keys from this environment when it has them; on the sandbox without any, moto's (it
        accepts any; never fall back to a real account's); else None: boto3's own chain (profile,
        container or instance role)."""
        from jenkinsctl.aws.session import SANDBOX_CREDENTIALS

        env = self.environ
        if env.get("AWS_PROFILE"):
            return None
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            token = env.get("AWS_SESSION_TOKEN")
            return (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], *([token] if token else []))
        return SANDBOX_CREDENTIALS if endpoint else None

    # ---- Jenkins ----

    def jenkins(self, config=None, on_retry: Callable[[str], None] | None = None, **kwargs: Any) -> "JenkinsClient":
        """`JENKINS_URL` (else jenkins.url), `JENKINS_USER` / `JENKINS_API_TOKEN` (both or neither)."""
        from jenkinsctl.jenkins.client import JenkinsClient

        return JenkinsClient(
            self.environ.get("JENKINS_URL") or (config.jenkins.url if config is not None else None),
            self.environ.get("JENKINS_USER") or None, self.environ.get("JENKINS_API_TOKEN") or None,
            on_retry=on_retry, **kwargs)

    def jenkins_agents(self, config=None):
        from jenkinsctl.jenkins.agents import JenkinsAgents

        return JenkinsAgents(self.jenkins(config))

    # ---- the Docker engine and registries ----

    def registry(self, endpoint: str, username: str | None = None, password: str | None = None, **kwargs: Any):
        """An OCI registry client (`jenkinsctl.registry.client.Registry`) for `endpoint`."""
        from jenkinsctl.registry.client import Registry

        return Registry(endpoint, username, password, **kwargs)

    def registry_for(self, config, host: str, clients):
        """A registry client for `host`, logged in with the ECR authorization token of `clients`'
        account (in the sandbox: the registry's htpasswd credentials)."""
        from jenkinsctl.registry.addressing import endpoint_for

        creds = clients.ecr.authorization()
        return self.registry(endpoint_for(config, host), creds.username, creds.password)

    def docker(self) -> "DockerEngine":
        """The Docker engine at `DOCKER_HOST` (default: the local socket)."""
        from jenkinsctl.dockerengine import DockerEngine

        return DockerEngine(self.environ.get("DOCKER_HOST") or None)
