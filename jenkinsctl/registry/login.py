"""Logging in to a registry: ECR's authorization token of the right account (in the sandbox, the
registry's htpasswd credentials) as `docker login` credentials or as a logged-in client."""

from __future__ import annotations

from jenkinsctl.registry.addressing import ecr_account, endpoint_for, is_organisation_registry


def registry_credentials(clients):
    """ECR's authorization token of `clients`' account as `docker login` credentials."""
    return clients.ecr.authorization()


def registry_for(config, host: str, clients):
    """A registry client for `host`, logged in with the ECR authorization token of `clients`'
    account (in the sandbox: the registry's htpasswd credentials)."""
    from jenkinsctl.registry.client import Registry

    creds = registry_credentials(clients)
    return Registry(endpoint_for(config, host), creds.username, creds.password)


def registry_clients(config, host: str, env, env_clients, own_clients):
    """The clients whose ECR token logs in to registry `host`: the environment's (its assumed role)
    when the registry is that environment's account's ECR, or its own registry; jenkinsctl's own
    for the organisation's registry (`registry.host`, or the endpoint standing in for it)."""
    owner = ecr_account(host)
    if owner:
        return env_clients if owner == env.account_id else own_clients
    return own_clients if is_organisation_registry(config, host) else env_clients
