"""Who may do what: decided here and nowhere else. Deny by default; reads and denials audited.

Views ask this module; templates ask the `TalkAccess` a view hands them. Neither compares
roles or statuses itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, NoReturn, TypeVar

from flask import abort, g, redirect, render_template, request, url_for

from formserver.store import audit, plans
from formserver.store.people import Person, has_team
from formserver.store.plans import PlanVersion
from formserver.store.talks import Talk, get_talk, team_talks

Rule = Literal["public", "signed_in", "hr"]
TalkRole = Literal["employee", "manager"]
F = TypeVar("F", bound=Callable[..., Any])

EMPLOYEE: tuple[TalkRole, ...] = ("employee",)
MANAGER: tuple[TalkRole, ...] = ("manager",)
BOTH: tuple[TalkRole, ...] = ("employee", "manager")

# Who may do what with a talk. HR has no part in any talk: HR sees people, rounds and
# status, never answers. The manager is the manager at the time of the round.
TALK_ACTIONS: dict[str, tuple[TalkRole, ...]] = {
    "talk.view": BOTH,
    "talk.call": MANAGER,
    "talk.move": MANAGER,
    "talk.cancel": MANAGER,
    "talk.ics": BOTH,
    "talk.held": MANAGER,
    "preparation.read": BOTH,
    "preparation.edit": BOTH,
    "preparation.delete": BOTH,
    "plan.read": BOTH,
    "plan.edit": MANAGER,
    "plan.sign": BOTH,
    "plan.versions": BOTH,
    "plan.print": BOTH,
    "plan.download": BOTH,
    "followup.read": BOTH,
    "followup.edit": BOTH,
}

BACKGROUND_FIELDS = {"csrf_token", "version", "action", "number", "edits", "content_hash"}


@dataclass(frozen=True)
class RouteRule:
    """What `rule` declared for a view: who may call it, and the setting that raises its body
    limit above MAX_CONTENT_LENGTH (the roster file), if any."""

    name: Rule
    body_limit: str | None = None


# By view function: `rule` fills it; the app and the structural route tests read it.
RULES: dict[Callable[..., Any], RouteRule] = {}


def typed_text() -> list[str]:
    """What the person typed into a posted form, to show back when it cannot be saved."""
    if request.method != "POST":
        return []
    return [
        value
        for key, value in request.form.items(multi=True)
        if key not in BACKGROUND_FIELDS and not key.startswith("rows_") and value.strip()
    ]


def client() -> str | None:
    """The client's address (behind trusted proxies, the real client's: PROXY_COUNT)."""
    return request.remote_addr


def current_user() -> Person | None:
    """The signed-in person for this request, if any."""
    user: Person | None = g.get("user")
    return user


def signed_in_user() -> Person:
    """The signed-in person, in a view whose rule requires one."""
    user = current_user()
    assert user is not None, "only for routes with rule 'signed_in' or 'hr'"
    return user


def event(
    action: str, object_type: str = "", object_id: str = "", detail: str = "", outcome: str = "ok"
) -> audit.Event:
    """An audit event by the signed-in person (for a write, pass it to the store function)."""
    user = current_user()
    return audit.Event(user.id if user else None, action, object_type, object_id, detail, outcome)


def audit_read(
    action: str, object_type: str = "", object_id: str = "", detail: str = "", outcome: str = "ok"
) -> None:
    """Audit a read, a refusal or a denial by the signed-in person (nothing else is written)."""
    audit.record(g.db, event(action, object_type, object_id, detail, outcome))


def deny(action: str, object_type: str = "", object_id: str = "", status: int = 403) -> NoReturn:
    """Audit a denial and stop the request."""
    audit_read(action, object_type, object_id, f"{request.method} {request.path}", "denied")
    abort(status)


def rule(name: Rule, *, body_limit: str | None = None) -> Callable[[F], F]:
    """Declare and enforce a route's access rule; every route must have one.

    `body_limit` names the setting for a route that takes bigger bodies than a form.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if name != "public" and user is None:
                audit_read(
                    f"route:{request.endpoint}",
                    detail=f"{request.method} {request.path}",
                    outcome="denied",
                )
                if request.method == "POST":
                    # The session ended while the form was open (time-out, key rotation):
                    # nothing is saved, but the typed text comes back to copy.
                    return render_template(
                        "auth/signed_out.html", ended=True, typed=typed_text()
                    ), 401
                return redirect(url_for("auth.signed_out", next=request.path))
            if name == "hr" and not may_use_hr():
                deny(f"route:{request.endpoint}")
            return view(*args, **kwargs)

        RULES[guarded] = RouteRule(name, body_limit)
        return guarded  # type: ignore[return-value]

    return decorate


def may_use_hr() -> bool:
    """Whether the signed-in person has HR's pages (people, rounds, coverage; never answers)."""
    user = current_user()
    return user is not None and user.is_hr


def may_add_to_rounds(managers_may_add: bool) -> bool:
    """Whether the signed-in person may add people outside a round's rule to it at all: HR, and
    managers when policies.yml allows (`managers_may_add_short_employments`)."""
    user = current_user()
    return user is not None and (user.is_hr or managers_may_add)


def may_add_to_round(employee_manager_id: str | None, managers_may_add: bool) -> bool:
    """Whether the signed-in person may add this employee to a round: HR anyone; a manager,
    when policies.yml allows, only their own employees."""
    user = current_user()
    if user is None:
        return False
    return user.is_hr or (managers_may_add and employee_manager_id == user.id)


def may_see_team() -> bool:
    """Whether the signed-in person has employees, so "Mina medarbetare" is theirs to open."""
    user = current_user()
    if user is None:
        return False
    if "has_team" not in g:
        try:
            g.has_team = has_team(g.db, user)
        except sqlite3.Error:
            # Drawing the 503 page of a database that cannot be read: offer the menu item.
            g.has_team = True
    return bool(g.has_team)


def rule_of(view: Callable[..., Any]) -> RouteRule | None:
    """What a view was declared with, if anything."""
    return RULES.get(view)


# --- talks ----------------------------------------------------------------------------------------


def talk_role(user: Person | None, talk: Talk) -> TalkRole | None:
    """The user's part in a talk: its employee, its manager (at the time of the round), or none."""
    if user is None:
        return None
    if user.id == talk.employee_id:
        return "employee"
    if user.id == talk.manager_id:
        return "manager"
    return None


@dataclass(frozen=True)
class TalkAccess:
    """A talk opened for the signed-in person, and what that person may do with it."""

    talk: Talk
    role: TalkRole
    user: Person

    @property
    def other_role(self) -> TalkRole:
        """The other party's role."""
        return "manager" if self.role == "employee" else "employee"

    def may(self, action: str) -> bool:
        """Whether this person may do `action` (a key of TALK_ACTIONS) with the talk at all."""
        return self.role in TALK_ACTIONS[action]

    @property
    def is_manager(self) -> bool:
        """Whether this person is the talk's manager."""
        return self.role == "manager"

    @property
    def may_call(self) -> bool:
        """Call the talk, or change the call."""
        return self.may("talk.call")

    @property
    def may_move(self) -> bool:
        """Give a called talk a new date, time or place: until it is held."""
        return self.may("talk.move") and self.talk.called_at is not None and not self.talk.held

    @property
    def may_cancel(self) -> bool:
        """Cancel a called talk: until it is held."""
        return self.may("talk.cancel") and self.talk.called_at is not None and not self.talk.held

    @property
    def may_edit_plan(self) -> bool:
        """Write notes and plan rows (there are no private notes: the employee reads them)."""
        return self.may("plan.edit")

    @property
    def may_mark_held(self) -> bool:
        """Mark the talk held, once."""
        return self.may("talk.held") and not self.talk.held

    @property
    def may_edit_preparation(self) -> bool:
        """Change one's own preparation: until the talk is held."""
        return self.may("preparation.edit") and not self.talk.held

    def may_sign(self, version: PlanVersion | None) -> bool:
        """Sign `version`: once the talk is held, each party once per version."""
        return (
            self.may("plan.sign")
            and self.talk.held
            and version is not None
            and self.role not in version.signatures
        )

    def event(self, action: str, detail: str = "", outcome: str = "ok") -> audit.Event:
        """An audit event about this talk by this person (pass it to the store with a write)."""
        return audit.Event(self.user.id, action, "talk", self.talk.id, detail, outcome, client())

    def audit(self, action: str, detail: str = "", outcome: str = "ok") -> None:
        """Audit a read or a refusal about this talk by this person."""
        audit.record(g.db, self.event(action, detail, outcome))


def open_talk(talk_id: str, action: str, *, audit_read: bool = True) -> TalkAccess:
    """The talk, opened for the signed-in person to do `action`; audited 404 otherwise.

    404 rather than 403, so that nobody learns which talks exist. A GET is a read and is
    audited here (unless the view audits it itself, with more detail); a write carries its
    own event into the store's transaction.
    """
    user = current_user()
    talk = get_talk(g.db, talk_id)
    role = talk_role(user, talk) if talk else None
    if talk is None or user is None or role is None or role not in TALK_ACTIONS[action]:
        deny(action, "talk", talk.id if talk else request.path, status=404)
    opened = TalkAccess(talk, role, user)
    if audit_read and request.method == "GET":
        opened.audit(action, role)
    return opened


def last_year(opened: TalkAccess) -> Talk | None:
    """Last year's talk with a plan both signed, to follow up: for the employee, and for the
    manager only if they were the manager then too."""
    talk = opened.talk
    previous_id = plans.previous_signed_talk(g.db, talk.employee_id, talk.year)
    previous = get_talk(g.db, previous_id) if previous_id else None
    if previous is None or (opened.is_manager and previous.manager_id != opened.user.id):
        return None
    return previous


def may_see_other_preparation(own_submitted: bool, other_submitted: bool) -> bool:
    """Each sees the other's preparation only once both have submitted theirs."""
    return own_submitted and other_submitted


def team_access(talks: list[Talk]) -> dict[str, TalkAccess]:
    """What the signed-in manager may do with each of their team's talks, by talk id."""
    user = signed_in_user()
    return {
        t.id: TalkAccess(t, role, user) for t in talks if (role := talk_role(user, t)) is not None
    }


def open_team(round_id: str, action: str) -> list[Talk]:
    """The signed-in manager's talks in a round; audited 404 when they have none there."""
    user = signed_in_user()
    talks = [t for t in team_talks(g.db, user.id) if t.round_id == round_id]
    if not talks:
        audit_read(action, "round", round_id, request.path, "denied")
        abort(404)
    return talks
