"""A patient's space as GraphQL: its state and the mutations that change it."""
