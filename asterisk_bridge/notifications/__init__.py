"""Notifications: events Voco raises, rules saying who hears of them, and the doors they leave
by (the SMTP door, a phone call).

``events`` is the catalogue of event kinds, ``bus`` the in-process bus every domain publishes
to (``bus.publish``). docs/notifications.md says what is sent, to whom, and what is kept.
"""
