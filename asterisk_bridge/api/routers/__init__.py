"""One router per domain the API serves."""
