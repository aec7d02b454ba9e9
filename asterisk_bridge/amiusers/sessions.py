"""Cutting an application's live AMI sessions: Asterisk keeps a session logged in after its user
leaves manager.conf, so revoking a user also kicks every session it has open."""

from __future__ import annotations

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.config import AsteriskSettings


def session_fds(listing: str, user: str) -> list[str]:
    """The file descriptors of *user*'s sessions in ``manager show connected`` output
    (columns: username, address, start, elapsed, file descriptor, ...)."""
    fds = []
    for line in listing.splitlines():
        cols = line.split()
        if len(cols) >= 5 and cols[0] == user and cols[4].isdigit():
            fds.append(cols[4])
    return fds


async def kick(settings: AsteriskSettings, user: str) -> int:
    """Kick every session of *user*; returns how many there were."""
    async with ami_session(settings) as ami:
        fds = session_fds(await ami.command("manager show connected"), user)
        for fd in fds:
            await ami.command(f"manager kick session {fd}")
    return len(fds)
