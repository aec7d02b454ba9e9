"""Every person's data sealed under their own key.

A *subject* is a person as Voco sees them: an external phone number, an extension's owner, a
contact. Each has a random key wrapped by the master key (:mod:`.vault`); every personal field
stored about them is sealed under that key, bound to its table, column, row and subject
(:mod:`.fields`); and they are found through blind indexes of their normalised identifiers
(:mod:`.identity`), never through the identifiers in clear. Erasing a subject deletes the key:
what was sealed under it is gone for good, while the rows it sat in (a CDR's duration, say)
remain for billing.

A person's rights build on that: :mod:`.refs` finds the rows naming a subject through the
schema's ``SUBJECT_REF`` markings, :mod:`.reach` / :mod:`.reached` say what find, export and
erasure reach per category, :mod:`.target` turns an identifier typed on the command line into
a subject (and into what the operation log may hold of it), :mod:`.rights` finds and erases,
:mod:`.bundle` exports. Why, and what is and is not sealed: ``docs/subjects.md``.
"""

from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.identity import Identifier
from asterisk_bridge.subjects.vault import Keyring, SubjectVault

__all__ = ["FieldRef", "Identifier", "Keyring", "SubjectVault"]
