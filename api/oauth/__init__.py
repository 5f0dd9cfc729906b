"""The OAuth 2.0 authorization server (Authlib, with a thin Starlette adapter) and the
resource side that turns a bearer token into an Actor."""
