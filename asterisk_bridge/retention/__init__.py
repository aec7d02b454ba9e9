"""Retention: how long each category of data is kept, and its enforcement.

Off by default: a category without a policy is kept for ever, until an administrator sets one
(``voco retention set KIND DAYS``). ``category`` defines what a category provides (its table,
its age column, its purge), ``kinds`` lists every category, ``policy`` stores the policies and
enforces them, and ``capability`` runs the enforcement hourly in the bridge. Every purge keeps
what a legal hold covers (:mod:`asterisk_bridge.holds.guard`) and leaves a tombstone in the
operation log.
"""
