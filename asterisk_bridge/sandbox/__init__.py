"""The sandbox: a Debian sid root with Asterisk 22, and isolated instances started inside it."""
