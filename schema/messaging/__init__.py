"""Secure messaging as GraphQL: types, mutations and the live subscription."""
