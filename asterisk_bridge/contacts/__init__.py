"""Contacts: the company directory the admin manages; personal contacts only owners read."""
