"""The offline engine on a message left on the real sandbox Asterisk: a caller reaches extension
1001 unanswered and espeak-ng speaks a phrase after the beep; app_voicemail records it at 8 kHz;
the bridge seals it and transcribes it with pocketsphinx (``transcription set offline``). The
transcript, decrypted from the store, holds the words the caller said, in order."""

from __future__ import annotations

import asyncio

import pytest

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.voicemail import query, vault
from asterisk_bridge.voicemail.capability import VoicemailStore
from asterisk_bridge.voicemail.transcribe.capability import TranscriptionCapability
from tests.conftest import CliCall
from tests.integration.voicemail_support import (
    PHRASE,
    leave_message_action,
    transcribed_mailbox,
)
from tests.polling import await_for

pytestmark = pytest.mark.asterisk


def in_order(spoken: str, transcript: str) -> list[str]:
    """The most of *spoken*'s words that *transcript* holds in the same order (their longest
    common subsequence): extra words heard (the tones around the message) cost nothing."""
    said, heard = spoken.split(), transcript.split()
    length = [[0] * (len(heard) + 1) for _ in range(len(said) + 1)]
    for i, word in enumerate(said):
        for j, got in enumerate(heard):
            length[i + 1][j + 1] = (length[i][j] + 1 if word == got
                                    else max(length[i][j + 1], length[i + 1][j]))
    found, i, j = [], len(said), len(heard)
    while i and j:
        if said[i - 1] == heard[j - 1]:
            found.append(said[i - 1])
            i, j = i - 1, j - 1
        elif length[i - 1][j] >= length[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return found[::-1]


def test_in_order_counts_words_heard_in_sequence() -> None:
    assert in_order("call me back", "uh call me please back") == ["call", "me", "back"]
    assert in_order("call me back", "back me call") in (["call"], ["me"], ["back"])
    assert in_order("call me", "") == []


def test_the_offline_transcript_holds_the_callers_words(app: App, asterisk: Instance,
                                                       run_cli: CliCall) -> None:
    app = transcribed_mailbox(app, asterisk, run_cli)

    async def leave_and_transcribe() -> None:
        async with Bridge(app, capabilities=[VoicemailStore(app, interval_s=1.0),
                                             TranscriptionCapability(app, interval_s=1.0)]
                          ) as bridge:
            answer = await bridge.ami_action(leave_message_action("1001"), timeout=30)
            first = answer[0] if isinstance(answer, list) else answer
            assert first.get("Response") == "Success", answer
            await await_for(lambda: query.messages(app), "the sealed message", timeout=120)
            await await_for(lambda: query.messages(app)[0].transcript_status == "done",
                            "the offline transcript", timeout=600)

    asyncio.run(leave_and_transcribe())
    [msg] = query.messages(app)
    text = vault.transcript(app, msg.id)
    assert text is not None
    found = in_order(PHRASE, text)
    # espeak-ng's speech through Asterisk at 8 kHz: most words, in order, and every content word
    assert len(found) >= len(PHRASE.split()) * 3 // 4, (PHRASE, text)
    assert {"call", "back", "meeting", "tomorrow", "morning"} <= set(found), (PHRASE, text)
