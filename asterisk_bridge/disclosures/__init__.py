"""The disclosure register: who received a subject's data, on what basis, and whether the
subject was told.

``register`` adds, lists and shows entries and links export bundles to them; ``reach`` is what
a subject's own rights see of the register; ``notice`` is where telling the subject plugs in.
docs/subjects.md says what is sealed, what survives an erasure, and why.
"""
