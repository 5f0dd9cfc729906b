"""Who may see what of a patient: the policy, the guard every read goes through, the patient's
authorisations, the access history reads, the access matrix and the OAuth scope vocabulary.
Offers ``guard`` and ``policy`` to every other domain."""
