"""CDRs that are never lost and never wrong: capture, reconciliation, calls, retention."""
