"""Typed errors whose messages a sysadmin can act on.

Every expected failure raises a subclass of :class:`VocoError`; the CLI prints its message on one
line and exits non-zero, without a traceback. Anything else is a bug and keeps its traceback.
"""


class VocoError(Exception):
    """Base of every expected, user-facing error."""

    exit_code = 1


class ConfigError(VocoError):
    """The configuration file is missing, unreadable or invalid."""


class KeyFileError(VocoError):
    """The master key file is missing, unreadable, malformed or too permissive."""


class StoreError(VocoError):
    """The database cannot be reached or is not at the expected schema."""


class ValidationError(VocoError):
    """A user-provided value breaks a rule; the message names the field and the rule."""

    exit_code = 2


class AsteriskError(VocoError):
    """Asterisk refused, is unreachable, or answered something unexpected."""


class SandboxError(VocoError):
    """The sandbox Asterisk root or instance could not be built, started or stopped."""


class CryptoError(VocoError):
    """Ciphertext is truncated, reordered, tampered with, or the key is wrong."""


class OplogError(VocoError):
    """The operation log is broken; the message names the first bad entry."""


class RenderError(VocoError):
    """A configuration template failed to render; nothing was written."""


class ApplyError(AsteriskError):
    """Asterisk rejected new configuration; the message says what failed and what was restored."""


class UnsafeFileError(VocoError):
    """A file holding personal data or secrets cannot be written safely (a symlink, a directory,
    or an existing file that must not be replaced)."""
