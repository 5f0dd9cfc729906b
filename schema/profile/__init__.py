"""The medical profile as GraphQL: one field a section, and the mutations changing entries."""
