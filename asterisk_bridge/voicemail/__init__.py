"""Voicemail as Asterisk stores it (app_voicemail, file storage), kept private."""
