"""Asterisk's logging: quiet by default (no call party in any log), full logging only inside a
time-boxed 'voco debug' window whose log lives in RAM and is deleted when the window ends."""
