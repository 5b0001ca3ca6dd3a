"""Every record-keeping command explains itself."""

from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner

# --- every command explains itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["purge", "export-person", "backup", "restore", "verify-plan", "init-db"]
)
def test_every_command_has_help(runner: FlaskCliRunner, command: str) -> None:
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage:")
    assert len(result.output.splitlines()) > 4
