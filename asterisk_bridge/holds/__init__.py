"""Legal holds: data that must not be destroyed while litigation or an investigation needs it.

``register`` places, lists and releases holds; ``guard`` is the single check every destructive
path makes (CDR deletion, recording deletion, retention, subject erasure). docs/subjects.md says
what a hold covers and how it interacts with erasure and retention.
"""
