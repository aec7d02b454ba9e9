"""The values provisioning commands accept, importable without the store (so ``--help`` of the
commands that offer them stays fast)."""

STRATEGIES = ("ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear")
