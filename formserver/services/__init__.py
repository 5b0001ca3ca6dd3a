"""The domain: what the service does, in plain values (no Flask request)."""
