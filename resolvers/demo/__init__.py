"""The demo data set: patients, professionals, documents, a profile and a conversation."""
