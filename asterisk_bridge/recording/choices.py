"""The values recording policy and prompt commands accept, importable without the store (so
``--help`` of the commands that offer them stays fast)."""

MODES = ("never", "no", "dontcare", "yes", "force")
DEFAULT_MODES = ("never", "no", "yes", "force")
SCOPES = ("ext", "trunk", "route")
CONSENTS = ("both", "external", "none")
KINDS = ("internal", "inbound", "outbound")
DEFAULT_PRIORITY = 10
ROLES = ("announce", "ask")  # what a consent prompt is for
