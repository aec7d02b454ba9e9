"""Voco: a privacy-first integration layer for Asterisk."""

__version__ = "0.1.0"
