"""The access history, the patient's authorisations and emergency access, as GraphQL."""
