"""Grants: every door through which data leaves the PBX for a third party, closed by default."""
