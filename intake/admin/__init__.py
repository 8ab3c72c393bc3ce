"""Administration: accounts, audit log."""
