"""The service descriptor: model, loading with positions, checks, resolution, schema."""
