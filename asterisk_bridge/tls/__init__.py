"""The PBX's TLS certificate: a private CA and server certificate Voco issues, or the admin's own.

One certificate serves every encrypted door of a node: SIP over TLS (5061), the HTTPS server that
carries WebRTC's secure websocket, DTLS-SRTP fingerprints, and AMI/ARI over TLS when they listen
beyond loopback. Other features take it from :class:`asterisk_bridge.tls.store.TlsStore`
(``TlsStore.of(config).current()``) and :func:`asterisk_bridge.tls.asterisk.install`.
"""
