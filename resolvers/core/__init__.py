"""What every domain's use cases share: the clock, expected errors, the access history writer,
cursors and page sizes, text search, identifiers (INS, RPPS), code lists, the actor and
guessing limits. Depends on no domain."""
