"""Voicemail, private by default: Asterisk's app_voicemail records each message into a RAM-backed
spool, the bridge seals it into the encrypted store (``vault``), keeps the phones' message-waiting
indicator right (``mwi``), plays messages to their owner through ARI (``menu``), and deletes them
for good (``shred``). See docs/voicemail.md."""
