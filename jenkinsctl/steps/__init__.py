"""Pipeline steps: one module per step, each `run(ctx, ...) -> StepResult`."""
