"""Pause, resume and stop a live recording over AMI: an operator's control (``voco live``).

Which channel records, and with which MixMonitor, is read from Asterisk itself: the consent
dialplan leaves ``VOCO_MIXID``, ``VOCO_REC_ID`` and ``VOCO_REC_STATE`` on the recording channel.
So control needs no bridge state and keeps working across bridge restarts.

An operator's pause is ``MixMonitorMute`` in both directions (state ``muted``: the span is
silence in the file), resume unmutes, stop is ``StopMixMonitor`` (the file then closes and its
``.done`` marker appears). A party's own codes run in the dialplan instead (``voco-rec-feature``:
their pause stops MixMonitor, state ``paused``, and their resume appends a new segment); each
side resumes only its own pause, so the two never run two MixMonitors on one file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from asterisk_bridge.errors import AsteriskError, VocoError

AmiAction = Callable[[Mapping[str, str]], Awaitable[Any]]
ACTIONS = ("pause", "resume", "stop")
#: (action, state now) -> the state it leads to; any other pair is refused.
_MOVES = {("pause", "recording"): "muted", ("resume", "muted"): "recording",
          ("stop", "recording"): "stopped", ("stop", "muted"): "stopped"}


class ControlError(VocoError):
    """The recording cannot be controlled as asked (none running, already stopped, ...)."""


@dataclass(frozen=True)
class Recorder:
    """A channel running a Voco MixMonitor."""

    channel: str
    linkedid: str
    mixid: str
    recording_id: str
    state: str  # recording | muted (operator) | paused (a party) | stopped


def _messages(resp: Any) -> list[Any]:
    return list(resp) if isinstance(resp, list) else [resp]


def _ok(resp: Any) -> bool:
    first = _messages(resp)[0]
    return str(first.get("Response", "")) in ("Success", "Follows")


async def _getvar(ami: AmiAction, channel: str, var: str) -> str:
    resp = _messages(await ami({"Action": "Getvar", "Channel": channel, "Variable": var}))[0]
    return str(resp.get("Value", "") or "") if _ok(resp) else ""


async def recorders(ami: AmiAction, target: str) -> list[Recorder]:
    """The live Voco recordings of the call ``target`` names.

    ``target`` is any channel name or uniqueid of the call, its linkedid, or a recording id.
    """
    resp = await ami({"Action": "CoreShowChannels"})
    chans = [m for m in _messages(resp) if m.get("Event") == "CoreShowChannel"]
    linkedids = {str(c.get("Linkedid")) for c in chans
                 if target in (c.get("Channel"), c.get("Uniqueid"), c.get("Linkedid"))}
    found: list[Recorder] = []
    for chan in chans:
        if linkedids and chan.get("Linkedid") not in linkedids:
            continue
        name = str(chan.get("Channel"))
        mixid = await _getvar(ami, name, "VOCO_MIXID")
        if not mixid:
            continue
        rec_id = await _getvar(ami, name, "VOCO_REC_ID")
        if not linkedids and rec_id != target:
            continue
        found.append(Recorder(name, str(chan.get("Linkedid")), mixid, rec_id,
                              await _getvar(ami, name, "VOCO_REC_STATE") or "recording"))
    return found


async def apply(ami: AmiAction, rec: Recorder, action: str) -> str:
    """Carry ``action`` out on ``rec``; returns the new state. ControlError if it cannot be."""
    if action not in ACTIONS:
        raise ControlError(f"action: {action!r} is not valid; use one of {', '.join(ACTIONS)}")
    state = _MOVES.get((action, rec.state))
    if state is None:
        why = {"paused": "paused by a party's feature code: not recording now, and only their "
                         "resume code restarts it (it ends with the call)"}.get(rec.state,
                                                                               rec.state)
        raise ControlError(f"cannot {action} recording {rec.recording_id}: it is {why}")
    if action == "stop":
        request = {"Action": "StopMixMonitor", "Channel": rec.channel,
                   "MixMonitorID": rec.mixid}
    else:
        request = {"Action": "MixMonitorMute", "Channel": rec.channel, "Direction": "both",
                   "State": "1" if action == "pause" else "0", "MixMonitorID": rec.mixid}
    resp = await ami(request)
    if not _ok(resp):
        message = _messages(resp)[0].get("Message", "no reason given")
        raise AsteriskError(f"Asterisk refused to {action} recording {rec.recording_id} on "
                            f"{rec.channel}: {message}")
    await ami({"Action": "Setvar", "Channel": rec.channel, "Variable": "VOCO_REC_STATE",
               "Value": state})
    return state
