"""Real SIP phones for the provisioning tests: sipp scenarios for REGISTER (digest), an
answering phone, a calling phone that authenticates its INVITE, and one whose call is refused.

They speak plain UDP and RTP, so the extensions they stand for are created with
``--transport udp`` (TLS with SRTP is the default; ``test_tls_srtp_call.py`` uses baresip).

sipp ties messages to a call by Call-ID, so a phone that registers and then receives a call is
two runs on the same local port: ``register`` (exits once registered), then ``answer``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from asterisk_bridge.sandbox import ports

_HEAD = '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="{name}">\n'
_SDP = """v=0
o=user1 53655765 2353687637 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
"""

REGISTER = _HEAD.format(name="register") + """
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:@USER@@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:@USER@@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 300
Content-Length: 0

]]></send>
<recv response="401" auth="true"/>
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:@USER@@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:@USER@@[local_ip]:[local_port]>
[authentication username=@USER@ password=@SECRET@]
Max-Forwards: 70
Expires: 300
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
"""

ANSWER = _HEAD.format(name="answer") + """
<recv request="INVITE" crlf="true"/>
<send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
<send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

""" + _SDP + """
]]></send>
<recv request="ACK" rtd="true" crlf="true"/>
<recv request="BYE"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


def _invite(cseq: int, extra: str = "") -> str:
    """An INVITE offering PCMU, with *extra* header lines (each ending in a newline)."""
    return """
<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: @CSEQ@ INVITE
Contact: <sip:@USER@@[local_ip]:[local_port]>
@EXTRA@Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

""".replace("@CSEQ@", str(cseq)).replace("@EXTRA@", extra) + _SDP + """
]]></send>
"""


_CALL_AUTH = _invite(1) + """
<recv response="100" optional="true"/>
<recv response="401" auth="true"/>
<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-1]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
""" + _invite(2, "[authentication username=@USER@ password=@SECRET@]\n")


def _talk(invite_cseq: int) -> str:
    """After an INVITE with CSeq *invite_cseq*: wait for 200, ACK, talk 4 s, hang up."""
    return """
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="183" optional="true"/>
<recv response="200" rrs="true"/>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: @INVITE_CSEQ@ ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
<pause milliseconds="4000"/>
<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: @BYE_CSEQ@ BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
""".replace("@INVITE_CSEQ@", str(invite_cseq)).replace("@BYE_CSEQ@", str(invite_cseq + 1))


CALL = _HEAD.format(name="call") + _CALL_AUTH + _talk(2)

#: A call from a trunk's address (no authentication), with one extra header line (@HEADER@).
TRUNK_CALL = _HEAD.format(name="trunk-call") + _invite(1, "@HEADER@\n") + _talk(1)

SUBSCRIBE_MWI = _HEAD.format(name="subscribe-mwi") + """
<send retrans="500"><![CDATA[
SUBSCRIBE sip:@USER@@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:@USER@@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 SUBSCRIBE
Contact: <sip:@USER@@[local_ip]:[local_port]>
Event: message-summary
Accept: application/simple-message-summary
Expires: 3600
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="401" auth="true"/>
<send retrans="500"><![CDATA[
SUBSCRIBE sip:@USER@@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:@USER@@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 SUBSCRIBE
Contact: <sip:@USER@@[local_ip]:[local_port]>
Event: message-summary
Accept: application/simple-message-summary
[authentication username=@USER@ password=@SECRET@]
Expires: 3600
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" rrs="true"/>
<label id="1"/>
<recv request="NOTIFY"/>
<send next="1"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


REFUSED = _HEAD.format(name="refused") + _CALL_AUTH + """
<recv response="100" optional="true"/>
<recv response="@CODE@"/>
<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-1]
From: <sip:@USER@@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
</scenario>
"""


class Phone:
    """One sipp 'phone' bound to its own UDP port on loopback, for one account."""

    def __init__(self, workdir: Path, user: str, secret: str, asterisk_port: int) -> None:
        self.dir = workdir / f"phone-{user}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.secret = secret
        self.port = ports.free_udp_port()
        self.media_port = ports.free_udp_port()
        self.target = f"127.0.0.1:{asterisk_port}"
        for name, text in (("register", REGISTER), ("answer", ANSWER), ("call", CALL),
                           ("subscribe-mwi", SUBSCRIBE_MWI)):
            (self.dir / f"{name}.xml").write_text(
                text.replace("@USER@", user).replace("@SECRET@", secret))

    def _args(self, scenario: str, *extra: str) -> list[str]:
        return ["sipp", self.target, "-sf", str(self.dir / f"{scenario}.xml"),
                "-i", "127.0.0.1", "-p", str(self.port),
                "-mp", str(self.media_port), "-m", "1", "-nostdin", "-trace_err",
                "-timeout", "60s", "-timeout_error", *extra]

    def register(self) -> None:
        """Register with digest auth; raises with sipp's errors if Asterisk refuses."""
        proc = subprocess.run(self._args("register"), cwd=self.dir, capture_output=True,
                              text=True, timeout=90)
        assert proc.returncode == 0, f"REGISTER {self.user} failed: {self.errors()}"

    def answer(self) -> subprocess.Popen[str]:
        """Wait for one call and answer it (returns the running sipp)."""
        return subprocess.Popen(self._args("answer", "-trace_msg"), cwd=self.dir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def call(self, number: str) -> subprocess.CompletedProcess[str]:
        """Call *number* (authenticating the INVITE), talk 4 s, hang up."""
        return subprocess.run(self._args("call", "-s", number), cwd=self.dir,
                              capture_output=True, text=True, timeout=120)

    def trunk_call(self, number: str, header: str = "",
                   keys: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Call *number* as a trunk would (unauthenticated, from this phone's address), with
        *header* as one extra header line; talk 4 s, hang up. ``[key]`` in *header* is sent as
        ``keys[key]`` exactly (sipp drops a scenario line's leading whitespace, not a key's)."""
        (self.dir / "trunk-call.xml").write_text(
            TRUNK_CALL.replace("@USER@", self.user)
            .replace("@HEADER@\n", header + "\n" if header else ""))
        extra = [arg for key, value in (keys or {}).items() for arg in ("-key", key, value)]
        return subprocess.run(self._args("trunk-call", "-s", number, *extra), cwd=self.dir,
                              capture_output=True, text=True, timeout=120)

    def refused(self, number: str, code: int) -> subprocess.CompletedProcess[str]:
        """Call *number* offering plain RTP, expecting Asterisk to answer the authenticated
        INVITE with the final response *code* (sipp exits 0 only if it does)."""
        (self.dir / "refused.xml").write_text(REFUSED.replace("@USER@", self.user)
                                              .replace("@SECRET@", self.secret)
                                              .replace("@CODE@", str(code)))
        return subprocess.run(self._args("refused", "-s", number), cwd=self.dir,
                              capture_output=True, text=True, timeout=120)

    def subscribe_mwi(self) -> subprocess.Popen[str]:
        """Subscribe to the account's message-summary and acknowledge every NOTIFY until
        killed (returns the running sipp; :meth:`mwi_states` reads what it was told)."""
        return subprocess.Popen(
            ["sipp", self.target, "-sf", str(self.dir / "subscribe-mwi.xml"), "-i", "127.0.0.1",
             "-p", str(self.port), "-m", "1", "-nostdin", "-trace_msg", "-trace_err"],
            cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def mwi_states(self) -> list[str]:
        """``Messages-Waiting`` and ``Voice-Message`` of every NOTIFY received, in order."""
        text = self.received_uris()
        return [f"{m.group(1)} {m.group(2)}" for m in re.finditer(
            r"Messages-Waiting: (yes|no)\r?\n(?:.*\r?\n)*?Voice-Message: (\S+)", text)]

    def errors(self) -> str:
        """What sipp logged as errors for this phone."""
        return "\n".join(p.read_text(errors="replace")[-2000:]
                         for p in self.dir.glob("*errors.log"))

    def received_uris(self) -> str:
        """sipp's message trace of the answering run (to check what was dialled)."""
        return "\n".join(p.read_text(errors="replace") for p in self.dir.glob("*messages.log"))
