"""Provisioning through GraphQL: upload a beneficiary file, start the batch, follow it."""
