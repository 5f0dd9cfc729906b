"""Persistence: one repository per MongoDB collection, and the object store for document bytes.

Knows nothing of GraphQL or HTTP.
"""
