"""What a retention category provides: the data it purges, how its age is read, the purge.

``purge(app, cutoff, reason, actor)`` deletes, for good and through the category's own
deletion path (tombstones, crypto-shredding), every record whose age column is older than
``cutoff`` (naive UTC) and that no legal hold covers; it returns how many it deleted and writes
its operation-log tombstone when it deleted any.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asterisk_bridge.context import App

Purge = Callable[[App, datetime, str, str | None], int]


@dataclass(frozen=True)
class Category:
    """One category of data a retention policy can be set for."""

    name: str  # as typed in 'voco retention set NAME DAYS'
    table: str
    age: str  # the column a record's age is read from (when it began)
    purge: Purge
    #: Why no legal hold can cover this data, for a category whose rows name neither a
    #: subject nor a call (empty: holds cover it, and its purge keeps what they hold).
    unheld: str = ""
