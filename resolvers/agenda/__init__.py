"""The agenda: events and their recurrence, the forecast calendar and its prevention messages,
the iCalendar feed."""
