"""Intrusion response, off by default: a source address that keeps failing to authenticate is
blocked for a while by Asterisk's own ACL (PJSIP ``type=acl``), never one on the allowlist.

``settings`` holds the switch, the block time and the allowlist, ``blocks`` the blocks placed
and ended, ``enforce`` what Asterisk is told, and ``capability`` the bridge's part: it hears
``auth_failures`` on the notification bus and lifts expired blocks. docs/notifications.md says
more.
"""
