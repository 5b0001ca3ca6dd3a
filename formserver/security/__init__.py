"""Keys, signed tokens and MAC-checked records."""
