"""Records over time: retention, a person's export, backup, verification."""
