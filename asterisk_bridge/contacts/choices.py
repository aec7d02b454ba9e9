"""The values contact commands accept, importable without the store (so ``--help`` of the
commands that offer them stays fast)."""

PRIVILEGES = ("view", "manage")  # ordered: manage includes view
