"""Typed errors whose messages a sysadmin can act on, and the exit codes they map to.

Every expected failure raises a subclass of :class:`VocoError`; the CLI prints its message on one
line and exits with the error's :class:`ExitCode`, without a traceback. Anything else is a bug and
keeps its traceback (exit 1).
"""

from enum import IntEnum


class ExitCode(IntEnum):
    """What ``voco`` exits with. Scripts branch on these, so a code's meaning never changes.

    2 is click's own code for a usage error, so "bad input" shares it: both mean "fix the command
    line (or the file it names) and try again". Codes above 2 separate the outcomes a script acts
    on differently from a plain failure: start something (3), create something (4), ask for the
    right secret (5), or wait for a legal hold to be released (6).
    """

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    NOT_RUNNING = 3
    NOT_FOUND = 4
    DENIED = 5
    HELD = 6


#: One line per exit code, for ``voco --help`` and docs/cli.md.
EXIT_CODE_MEANINGS = {
    ExitCode.OK: "done; for a status command: it is running; for a check: nothing wrong found",
    ExitCode.FAILURE: "the command could not do it: Asterisk refused or failed, the store, a key "
                      "or the config file is missing or broken, decryption or a verification "
                      "failed, a check found problems, or a confirmation was declined",
    ExitCode.BAD_INPUT: "usage error, or a value (argument, option, imported file) breaks a "
                        "rule; the message names the field; nothing was changed",
    ExitCode.NOT_RUNNING: "what the command needs or reports on is not running: the bridge, a "
                          "sandbox instance, or Asterisk (AMI unreachable; nothing was "
                          "changed)",
    ExitCode.NOT_FOUND: "a record the command names does not exist (extension, trunk, route, "
                        "queue, room, speed dial, contact, grant, recording, recording rule "
                        "or prompt)",
    ExitCode.DENIED: "the secret given is wrong, or the extension lacks the privilege",
    ExitCode.HELD: "a legal hold covers what the command would delete or erase; the message "
                   "names the hold; nothing was changed",
}


def exit_code_summary() -> str:
    """``0 ok, 1 failure, ...``: the codes on one line, for ``voco --help``."""
    return ", ".join(f"{c.value} {c.name.lower().replace('_', ' ')}" for c in ExitCode)


class VocoError(Exception):
    """Base of every expected, user-facing error."""

    exit_code: ExitCode = ExitCode.FAILURE


class ConfigError(VocoError):
    """The configuration file is missing, unreadable or invalid."""


class KeyFileError(VocoError):
    """The master key file is missing, unreadable, malformed or too permissive."""


class StoreError(VocoError):
    """The database cannot be reached or is not at the expected schema."""


class ValidationError(VocoError):
    """A user-provided value breaks a rule; the message names the field and the rule."""

    exit_code = ExitCode.BAD_INPUT


class NotFoundError(ValidationError):
    """A value names a record that does not exist (a kind of bad input, with its own code)."""

    exit_code = ExitCode.NOT_FOUND


class DeniedError(VocoError):
    """The secret presented is wrong, or the actor lacks the privilege."""

    exit_code = ExitCode.DENIED


class HeldError(VocoError):
    """A legal hold covers data a command would destroy (delete, erase, retention)."""

    exit_code = ExitCode.HELD


class AsteriskError(VocoError):
    """Asterisk refused, is unreachable, or answered something unexpected."""


class NotRunningError(VocoError):
    """Something the command needs or reports on (the bridge, Asterisk) is not running."""

    exit_code = ExitCode.NOT_RUNNING


class AsteriskUnreachable(AsteriskError, NotRunningError):
    """No connection to Asterisk: it is not running, or not listening where the config says."""


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
