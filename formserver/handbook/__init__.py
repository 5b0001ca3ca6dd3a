"""The handbook half: the MkDocs hook, its markers and the fragments it renders."""
