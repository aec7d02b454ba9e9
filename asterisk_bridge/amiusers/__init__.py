"""AMI users for third-party applications: each one an ``ami`` grant, rendered into
manager.conf (deny everything, then permit), its secret sealed; failed logins watched."""
