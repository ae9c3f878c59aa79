"""Spot-backed ECS capacity for Jenkins agents: spec -> desired resources -> plan (data) ->
executor; instance refresh; branch templates; JCasC; queue-driven scaler; drainer; simulator."""
