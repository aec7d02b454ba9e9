"""The REST API for third parties: CDRs, calls and recordings behind scoped, revocable tokens."""
