"""Provisioning: the PBX entities a sysadmin manages from the CLI, and their template context.

One module per entity family (``extensions``, ``trunks``, ``routes``, ``speeddials``,
``conferences``, ``queues``). Each exposes a frozen dataclass that validates itself on
construction (so a value read from anywhere — CLI, import file, database — is checked the same
way), with ``to_dict``/``from_dict``, and the same service functions:
``add``, ``list_all``, ``get``, ``update``, ``remove``.
"""
