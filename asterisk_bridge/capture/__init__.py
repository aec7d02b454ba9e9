"""Packet captures for troubleshooting: dumpcap (Debian's) on the PBX's SIP/RTP ports into a
RAM spool, stopped by its own deadline and size cap, then sealed into the store like a
recording (a key per capture, crypto-shredded on delete, retention category ``captures``)."""
