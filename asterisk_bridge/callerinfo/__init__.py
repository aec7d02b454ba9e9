"""Inbound calls shown to other applications: a signed popup request, a CRM name lookup."""
