"""Health documents: deposit, reads, lifecycle, protections, formats, the operator's rules,
the legacy DMP import and the patient's export (IHE XDM, in ``xdm``), and repair after failures."""
