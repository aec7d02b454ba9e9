"""The ``voco`` command line: thin click commands that call into asterisk_bridge."""
