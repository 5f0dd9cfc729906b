"""The catalogue of referenced apps and the patient's pairings with them."""
