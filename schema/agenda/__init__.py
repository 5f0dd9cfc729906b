"""The agenda as GraphQL: events, occurrences, the forecast calendar, and their mutations."""
