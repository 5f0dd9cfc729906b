"""People and the OAuth clients that act for them: reading patients and professionals, signing
in, passwords, client registration."""
