"""The master key: its file, the registry of everything it seals, and its rotation.

``keyfile`` creates and loads the key. ``registry`` defines a sealed kind and checks that every
column a model marks as sealed by the master key is covered by one; ``kinds`` lists the kinds;
``rotate`` re-seals all of them under a new key in one transaction. What the key seals, and why,
is in ``docs/keys.md``.
"""

from asterisk_bridge.masterkey.keyfile import KEY_BYTES, create_master_key, load_master_key

__all__ = ["KEY_BYTES", "create_master_key", "load_master_key"]
