"""Registries: `client` speaks the OCI distribution API, `addressing` says where images live
(hosts, endpoints, repositories), `login` logs a client in with an account's ECR token."""
