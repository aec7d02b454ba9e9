"""Free loopback ports for isolated instances, so several can run at once."""

from __future__ import annotations

import random
import socket


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port nobody is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def rtp_range(width: int = 200) -> tuple[int, int]:
    """A random even-aligned UDP block in 20000-59999, for this instance's RTP."""
    start = random.randrange(20000, 60000 - width, 2)
    return start, start + width - 1
