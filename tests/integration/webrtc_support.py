"""A real browser phone: Debian's headless Chromium, driven through chromium-driver, loading
``tests/assets/webrtc/phone.html`` (SIP.js vendored from npm) from a local HTTP server.

Chromium gets a fake microphone (a tone file) and trusts exactly the node's certificate (its
public key's SHA-256, ``--ignore-certificate-errors-spki-list``), so the WSS connection to
Asterisk is verified against that key and nothing else. Nothing is fetched from the network.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from asterisk_bridge.sandbox import ports
from tests.audio_tones import tone_wav
from tests.polling import wait_for

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "webrtc"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"


def spki_sha256(cert_pem: bytes) -> str:
    """The base64 SHA-256 of the certificate's public key, as Chromium's SPKI list wants."""
    cert = x509.load_pem_x509_certificates(cert_pem)[0]
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class PageServer:
    """The asset directory over plain HTTP on loopback (a secure context for getUserMedia)."""

    def __init__(self) -> None:
        handler = functools.partial(_Quiet, directory=str(ASSETS))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", ports.free_tcp_port()),
                                                     handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


class BrowserPhone:
    """phone.html in headless Chromium, registered as one WebRTC extension."""

    def __init__(self, workdir: Path, page: PageServer, wss: str, user: str, secret: str,
                 cert_pem: bytes) -> None:
        tone = workdir / "browser-voice.wav"
        tone_wav(tone, 30.0, 700)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                     f"--use-file-for-fake-audio-capture={tone}",
                     "--autoplay-policy=no-user-gesture-required",
                     "--disable-features=WebRtcHideLocalIpsWithMdns",
                     f"--ignore-certificate-errors-spki-list={spki_sha256(cert_pem)}",
                     f"--user-data-dir={workdir / 'chromium-profile'}",
                     "--window-size=900,700"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        host = urllib.parse.urlsplit(wss).hostname
        query = urllib.parse.urlencode({"server": wss, "aor": f"sip:{user}@{host}",
                                        "user": user, "password": secret})
        self.driver.get(f"http://127.0.0.1:{page.port}/phone.html?{query}")

    def state(self) -> str:
        """What the page shows (registered, in call, call ended, ...)."""
        return str(self.driver.execute_script("return window.phoneState || ''"))

    def wait_state(self, wanted: str) -> None:
        """Until the page shows *wanted*; fails with the page's log otherwise."""
        wait_for(lambda: self.state() == wanted, f"browser phone {wanted!r}: {self.page_log()}")

    def run(self, call: str, *args: str) -> None:
        """Call ``window.phone.<call>(args...)`` in the page."""
        self.driver.execute_script(f"window.phone.{call}(...arguments)", *args)

    def page_log(self) -> str:
        """The page's own event list and the browser console, for failure messages."""
        items = self.driver.execute_script(
            "return [...document.querySelectorAll('#log li')].map(li => li.textContent)")
        return json.dumps(items)

    def screenshot(self, path: Path) -> None:
        """Save what the page shows."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))

    def close(self) -> None:
        """Quit Chromium."""
        self.driver.quit()
