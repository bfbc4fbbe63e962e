"""What one caller may ask of the graph: operation limits, query cost and rate limits.

``rules`` holds the per-role table, ``operation`` the validation rules (depth, aliases,
root fields, introspection), ``cost`` the static and actual cost of an operation,
``rates`` the token buckets (in process or in Redis), and ``extension`` the Strawberry
extension that applies them to every request before any SQL runs.
"""
