"""Every audit code the service's source can write, found by reading the source (ast)."""

from __future__ import annotations

import ast
from pathlib import Path

from formserver.access import TALK_ACTIONS
from formserver.services import sso
from formserver.services.sign_in import LINK_PROBLEMS

PACKAGE = Path(__file__).resolve().parents[2] / "formserver"
# Calls that write an audit entry: where the action and the outcome stand among the
# positional arguments (None: not positional, or ambiguous between a function and a method).
AUDIT_CALLS: dict[str, tuple[int, int | None]] = {
    "Event": (1, 5),
    "audit_read": (0, 4),
    "_audit": (0, 1),
    "event": (0, None),
    "audit": (0, None),
    "deny": (0, None),
    "open_talk": (1, None),
    "open_team": (1, None),
}


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node: ast.AST | None) -> set[str]:
    """The string constants in an expression (both arms of `a if c else b`, `x or "y"`);
    an f-string gives its fixed start, such as "route:"."""
    if node is None:
        return set()
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return {first.value} if isinstance(first, ast.Constant) else set()
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _argument(call: ast.Call, position: int | None, keyword: str) -> ast.AST | None:
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def written_codes() -> tuple[set[str], set[str]]:
    """(actions, outcomes) that some line of formserver/ can write to the audit log."""
    actions: set[str] = set(TALK_ACTIONS)
    outcomes: set[str] = {"ok", *LINK_PROBLEMS, *sso.PROBLEMS}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.IfExp):
                # `outcome = "sent"`, `action = "person.grant_hr" if … else "person.revoke_hr"`
                targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
                if "outcome" in targets:
                    outcomes |= _strings(node.value)
                if "action" in targets:
                    actions |= _strings(node.value)
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name == "replace":  # dataclasses.replace(event, action=..., outcome=...)
                actions |= _strings(_argument(node, None, "action"))
            if name in AUDIT_CALLS or name == "replace":
                outcomes |= _strings(_argument(node, None, "outcome"))
            if name in AUDIT_CALLS:
                action_at, outcome_at = AUDIT_CALLS[name]
                action = _argument(node, action_at, "action")
                if isinstance(action, ast.Constant | ast.JoinedStr):
                    actions |= _strings(action)
                outcomes |= _strings(_argument(node, outcome_at, "outcome"))
    actions.discard("")
    return actions, outcomes
