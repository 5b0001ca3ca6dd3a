"""Medarbetarsamtal: the handbook's shared logic and the form service."""
