"""Which account's ECR token logs in to a registry (the logged-in client itself is built by
`jenkinsctl.factory.Factory.registry_for`)."""

from __future__ import annotations

from jenkinsctl.registry.addressing import ecr_account, is_organisation_registry


def registry_clients(config, host: str, env, env_clients, own_clients):
    """The clients whose ECR token logs in to registry `host`: the environment's (its assumed role)
    when the registry is that environment's account's ECR, or its own registry; jenkinsctl's own
    for the organisation's registry (`registry.host`, or the endpoint standing in for it)."""
    owner = ecr_account(host)
    if owner:
        return env_clients if owner == env.account_id else own_clients
    return own_clients if is_organisation_registry(config, host) else env_clients
