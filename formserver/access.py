"""Who may do what: decided here and nowhere else. Deny by default; every denial is audited."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import abort, g, redirect, render_template, request, url_for

from formserver.store import audit
from formserver.store.people import Person
from formserver.store.talks import Talk

Rule = Literal["public", "signed_in", "hr"]
TalkRole = Literal["employee", "manager"]
F = TypeVar("F", bound=Callable[..., Any])


BACKGROUND_FIELDS = {"csrf_token", "version", "action", "number", "edits", "content_hash"}


def typed_text() -> list[str]:
    """What the person typed into a posted form, to show back when it cannot be saved."""
    if request.method != "POST":
        return []
    return [
        value
        for key, value in request.form.items(multi=True)
        if key not in BACKGROUND_FIELDS and not key.startswith("rows_") and value.strip()
    ]


def current_user() -> Person | None:
    """The signed-in person for this request, if any."""
    user: Person | None = g.get("user")
    return user


def deny(action: str, object_type: str = "", object_id: str = "", status: int = 403) -> None:
    """Audit a denial and stop the request."""
    user = current_user()
    audit.record(
        g.db,
        actor_id=user.id if user else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome="denied",
        detail=f"{request.method} {request.path}",
    )
    abort(status)


def rule(name: Rule) -> Callable[[F], F]:
    """Declare and enforce a route's access rule; every route must have one."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if name != "public" and user is None:
                audit.record(
                    g.db,
                    actor_id=None,
                    action=f"route:{request.endpoint}",
                    outcome="denied",
                    detail=f"{request.method} {request.path}",
                )
                if request.method == "POST":
                    # The session ended while the form was open (time-out, key rotation):
                    # nothing is saved, but the typed text comes back to copy.
                    return render_template(
                        "auth/signed_out.html", ended=True, typed=typed_text()
                    ), 401
                return redirect(url_for("auth.signed_out", next=request.path))
            if name == "hr" and (user is None or not user.is_hr):
                deny(f"route:{request.endpoint}")
            return view(*args, **kwargs)

        guarded.access_rule = name  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def talk_role(user: Person | None, talk: Talk) -> TalkRole | None:
    """The user's part in a talk: its employee, its manager (at the time of the round), or none.

    HR has no part: HR sees people, rounds and status, never answers.
    """
    if user is None:
        return None
    if user.id == talk.employee_id:
        return "employee"
    if user.id == talk.manager_id:
        return "manager"
    return None


def require_talk_role(talk: Talk | None, action: str, *allowed: TalkRole) -> TalkRole:
    """The user's role in `talk` if it is one of `allowed`; otherwise audit and 404.

    404 rather than 403, so that nobody learns which talks exist.
    """
    role = talk_role(current_user(), talk) if talk else None
    if talk is None or role is None or role not in allowed:
        deny(action, "talk", talk.id if talk else request.path, status=404)
    assert role is not None
    return role


def may_see_other_preparation(own_submitted: bool, other_submitted: bool) -> bool:
    """Each sees the other's preparation only once both have submitted theirs."""
    return own_submitted and other_submitted
