"""`make run`'s demo runs end to end on a real sandbox Asterisk and shows what was stored."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path


def test_demo_end_to_end(tmp_path: Path, asterisk_root: Path) -> None:
    name = f"t{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "VOCO_DEMO_DIR": str(tmp_path / "demo"), "VOCO_DEMO_SANDBOX": name}
    try:
        run = subprocess.run([sys.executable, "-m", "asterisk_bridge.services.demo"], env=env,
                             capture_output=True, text=True, timeout=900)
    finally:
        subprocess.run([str(Path(sys.executable).with_name("voco")), "sandbox", "stop",
                        "--name", name, "--destroy"], capture_output=True)
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "Traceback" not in out + run.stderr
    assert "answered" in out  # the call, grouped from its legs
    start, end = out.index("$ voco recording show"), out.index("plaintext recordings left")
    shown = out[start:end].splitlines()  # 'recording show', as a person reads it
    assert any(" answer " in line and "digit=1" in line for line in shown)  # consent evidence
    assert any("5550100" in line and " given" in line for line in shown)  # the call's CDRs
    assert "plaintext recordings left in the RAM spool: none" in out
    assert "Sample Rate    : 8000" in out  # the exported WAV is real audio
    assert "operation log intact" in out
    shown_vm = out[out.index("$ voco voicemail show"):out.index("== 9.")]
    assert "1001@default" in shown_vm and "caller_number: 5550177" in shown_vm
    transcript = next(line.strip() for line in shown_vm.splitlines()
                      if line.strip().startswith("transcript:"))
    assert transcript != "transcript: -", shown_vm  # the offline engine heard something
    assert (tmp_path / "demo" / "call.wav").stat().st_size > 44
