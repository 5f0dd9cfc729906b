"""Health documents as GraphQL: types, deposit and lifecycle mutations, the export request."""
