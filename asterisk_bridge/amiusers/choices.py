"""AMI permission classes (Asterisk's manager.c), offered by the CLI without the store."""

CLASSES = ("system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
           "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security",
           "message")
DEFAULT_READ = "call,cdr"
