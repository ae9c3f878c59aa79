"""Deploys on ECS: task definition from descriptor + environment, a plan as data, one strategy
interface (rolling, blue-green, canary) driven by one waiter, last-known-good records in SSM."""
