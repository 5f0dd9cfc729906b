"""The GraphQL machinery every domain's types share: the context, permissions (scopes),
connections, error presentation and codes, refusals as results, registered enums."""
