"""Services: the operations. Functions take a session and typed arguments, own the commit, raise
domain errors, and never build HTTP responses."""
