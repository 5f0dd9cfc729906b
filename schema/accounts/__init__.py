"""Patients, professionals and the actor asking (``me``), as GraphQL."""
