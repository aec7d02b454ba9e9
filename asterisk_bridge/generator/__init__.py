"""The generator: Asterisk configuration rendered from ``dialplan_templates/``."""
