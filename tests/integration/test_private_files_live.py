"""On real Asterisk: voicemail and CDR files end up private (0640, directories 0750) with the
bridge running, and 'voco check' reports one that an admin loosened."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise
from asterisk_bridge.voicemail.privacy import VoicemailPrivacy
from tests.conftest import CliCall
from tests.polling import await_for

pytestmark = pytest.mark.asterisk

VOICEMAIL = "[general]\nformat = wav\n[default]\n1001 => 4321,Test User\n"
DIALPLAN = """
[permtest]
exten => vm,1,Answer()
 same => n,VoiceMail(1001@default,s)
 same => n,Hangup()
exten => tone,1,Answer()
 same => n,PlayTones(440)
 same => n,Wait(6)
 same => n,Hangup()
"""


def _open_to_others(*roots: Path) -> dict[str, str]:
    paths = [p for root in roots for p in (root, *root.rglob("*"))]
    return {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths
            if p.stat().st_mode & 0o007}


def test_voicemail_and_cdr_files_are_private(asterisk: Instance, run_cli: CliCall,
                                             config_path: Path, tmp_path: Path) -> None:
    app = App(initialise(config_path, tmp_path / "data", None, asterisk.settings()))
    asterisk.write_files({"extensions_test.conf": DIALPLAN, "voicemail.conf": VOICEMAIL})
    asterisk.rx("dialplan reload")
    asterisk.rx("module reload app_voicemail")
    voicemail = asterisk.spool_dir / "voicemail"
    inbox = voicemail / "default" / "1001" / "INBOX"
    master = asterisk.log_dir / "cdr-csv" / "Master.csv"

    async def leave_message() -> None:
        async with Bridge(app, capabilities=[VoicemailPrivacy(app)]) as bridge:
            await bridge.ami_action({"Action": "Originate", "Channel": "Local/tone@permtest",
                                     "Context": "permtest", "Exten": "vm", "Priority": "1",
                                     "Async": "true"}, timeout=30)
            await await_for(lambda: (inbox / "msg0000.txt").exists() and master.exists()
                            and master.stat().st_size > 0, "the voicemail and its CDR")
            # app_voicemail chmods the .txt to 0666; the bridge takes that back
            await await_for(lambda: not _open_to_others(voicemail, master.parent),
                            "the voicemail files to become private")

    asyncio.run(leave_message())
    assert {p.name for p in inbox.iterdir()} >= {"msg0000.wav", "msg0000.txt"}
    assert stat.S_IMODE((inbox / "msg0000.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE(master.stat().st_mode) == 0o640

    clean = run_cli("check")
    assert clean.exit_code == 0, clean.output
    os.chmod(inbox / "msg0000.wav", 0o644)
    found = run_cli("check")
    assert found.exit_code == 1
    assert found.output.strip() == (
        f"loose: {inbox / 'msg0000.wav'} is 0644 (Asterisk's voicemail, recording spool, "
        "CDR files and TLS key, readable beyond Asterisk); run 'chmod o-rwx "
        f"{inbox / 'msg0000.wav'}'")
