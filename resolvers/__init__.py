"""The use cases, one module per domain: business rules and the access policy live here.

Never imports strawberry: the schema calls into this package, not the other way round.
"""
