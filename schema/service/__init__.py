"""The service's own fields and the official code lists, as public GraphQL fields."""
