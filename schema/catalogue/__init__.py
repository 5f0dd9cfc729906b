"""The catalogue of referenced apps and the patient's pairings, as GraphQL."""
