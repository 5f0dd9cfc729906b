"""Provisioning spaces from the insurer's beneficiary files: lines checked, batches run."""
