"""IHE XDM archives: reading a legacy DMP export (metadata, codes, authors, content) and
writing a space's export (metadata, CDA identifiers, the medium's pages)."""
