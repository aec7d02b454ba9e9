"""Call recording: consent policy, RAM spool, encrypted storage, export and crypto-shred."""
