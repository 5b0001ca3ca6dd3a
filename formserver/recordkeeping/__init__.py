"""Records over time: retention, a person's export, backup, verification of plan codes."""


class Refused(Exception):
    """The operation was refused before anything changed; the message says why, in Swedish."""
