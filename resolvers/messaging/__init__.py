"""Secure messaging: who may read and write which mailbox, the writes, the reads, and the
live events fanned out from one change stream per process."""
