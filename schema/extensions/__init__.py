"""The schema extensions that protect and observe every operation: limits, cost, parse
and validation caches, introspection policy, ID checks, the executor, measurements."""
