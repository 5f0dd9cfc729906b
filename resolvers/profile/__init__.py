"""The medical profile: its sections and the measurements' time series."""
