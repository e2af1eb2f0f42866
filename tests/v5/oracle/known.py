"""The known differences between the simulator and the real HQ 5.0.3, machine-readable.

Each entry explains the calls it names (by their script label: labels are unique) or matches
(``when``: a predicate on the compared record, harness.Record). ``kind``:

  bug         the simulator answers wrongly: to be fixed in simulator/ (then delete the entry)
  deliberate  a difference the simulator keeps on purpose (COVERAGE.md says why)
  not yet     the simulator does not serve it yet (501): the list shrinks as routes land

The suite fails on any difference no entry explains, and on an entry with labels that explains
none of them any more (fixed: delete it). docs/v5/differential.md lists every call of each.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

BUG, DELIBERATE, NOT_YET = "bug", "deliberate", "not yet"


@dataclass(frozen=True)
class Known:
    key: str
    kind: str
    reason: str
    labels: tuple[str, ...] = ()
    when: Optional[Callable] = field(default=None, compare=False)

    def explains(self, record) -> bool:
        if record.label in self.labels:
            return True
        return self.when is not None and self.when(record)


def _not_served(record) -> bool:
    body = record.sim.body
    return (record.sim.status == 501 and isinstance(body, dict)
            and "is not implemented in the simulator" in str(body.get("msg", "")))


def _outer_handle_exceptions(method: str, pattern: str) -> Callable:
    """Calls to ``method pattern`` whose real answer shows @handle_exceptions wrapping the
    identity check: 500 'An unexpected error occurred: <the identity error>' where the
    simulator gives that error itself, or 401 '<type>s are not allowed to access <url>' where
    the simulator gives the generic 500."""
    path = re.compile(pattern)

    def when(record) -> bool:
        if record.call.method != method or not path.fullmatch(record.call.path.split("?")[0]):
            return False
        real, sim = _msg(record.real), _msg(record.sim)
        wrapped = "An unexpected error occurred: "
        return ((record.real.status == 500 and real.startswith(wrapped)
                 and sim == real[len(wrapped):])
                or (record.real.status == 401 and " are not allowed to access " in real
                    and record.sim.status == 500))
    return when


def _msg(outcome) -> str:
    body = outcome.body
    return str(body.get("msg", "")) if isinstance(body, dict) else ""


def _html_404(record) -> bool:
    return (record.real.status == 404 == record.sim.status
            and "<non-json>" in (record.real.body or {}))


KNOWN: list[Known] = [
    Known("sqlite-id-reuse", DELIBERATE,
          "HQ on SQLite gives the next row the id of a deleted last row (organization 6 "
          "again); the simulator never reuses an id, as PostgreSQL's sequences in production",
          labels=("organization create after deleting the last one",)),
    # ------------------------------------------------------------------ not yet
    Known("not-served-501", NOT_YET,
          "route not served by the 5.x simulator yet (501): the admin writes, the blob store, "
          "the algorithm stores; the bridge applies an admin write the real HQ accepted to the "
          "simulator's records, so that later calls compare like with like",
          when=_not_served),
    Known("node-delete-auth", NOT_YET,
          "DELETE /node/{id} (not served yet) has @handle_exceptions OUTSIDE @with_user in HQ: "
          "identity errors become 500 'An unexpected error occurred: <text>' and a node gets "
          "401 'nodes are not allowed to access <url> (DELETE)'; the simulator answers the "
          "plain identity errors (401/422) and a generic 500 before its 501",
          labels=("no header DELETE /node/1", "not a jwt DELETE /node/1",
                  "node delete as node"),
          when=_outer_handle_exceptions("DELETE", r"/node/\d+")),
    # ------------------------------------------------------------------ deliberate
    Known("html-404", DELIBERATE,
          "unknown route: the real HQ answers Werkzeug's HTML 404, the simulator a JSON 404 "
          "(every simulator body is JSON)", when=_html_404),
    # ------------------------------------------------------------------ simulator bugs
    Known("permissions-key-order", BUG,
          "GET /user/me and /user/{id} with include_permissions: HQ emits 'id' LAST (after "
          "'permissions'); the simulator keeps 'id' after 'keycloak_client_id'",
          labels=("me as admin with permissions", "me as service account, permissions",
                  "user get 11 with permissions")),
    Known("bearer-without-token", BUG,
          "'Authorization: Bearer' with no token on a user/node endpoint: HQ 422 {'msg': "
          "\"Bad Authorization header. Expected 'Authorization: Bearer <JWT>'\"}; simulator "
          "401 \"Missing 'Bearer' type in 'Authorization' header...\"",
          labels=("bearer only /user",)),
    Known("collaboration-404-text", BUG,
          "GET /collaboration/{id} of a missing one: HQ 5.0.3 says 'Collaboration with id=99 "
          "not found'; the simulator keeps 4.x's 'collaboration having id=99 not found'",
          labels=("col get 99", "col get deleted")),
    Known("node-ip-filter", BUG,
          "GET /node?ip=...: HQ 5.0.3 has no ip filter (ignored: every node); the simulator "
          "still filters on ip (4.x) and answers an empty list",
          labels=("node list ip ignored",)),
    Known("node-session-filter", BUG,
          "GET /node?session_id=N: HQ filters to the nodes of the session's collaboration "
          "(or study) and answers 404 'Session id=99 does not exist' for a missing session; "
          "the simulator ignores session_id (all nodes)",
          labels=("session node list by session", "session node list by study session",
                  "session node list by missing session")),
    Known("user-role-filter-default-role", BUG,
          "GET /user?role_id=<default role>: HQ 500 {'msg': 'An unexpected error occurred!'} "
          "for everyone (allowed_for_org(None) raises, contract-hq-admin §4.1); the simulator "
          "answers 200 with the role's users",
          labels=("user list default role",)),
    Known("user-email-filter", BUG,
          "GET /user?email=x: HQ 5.0.3 has no email/firstname/lastname filters (ignored); the "
          "simulator still filters on email (4.x) and answers an empty list",
          labels=("user list email ignored",)),
    Known("rule-filter-values", BUG,
          "GET /rule?operation=&scope=: HQ 5.0.3 matches the stored VALUE words ('view', "
          "'global'); the simulator matches the 4.x short codes: operation=view/scope=global "
          "give [] (real: 28 / 32 rules) and operation=v gives 28 rules (real: [])",
          labels=("rule list operation view", "rule list operation v",
                  "rule list scope global")),
    Known("rule-current-user", BUG,
          "GET /rule?current_user=1: HQ lists the caller's own rules (roles + direct, 15 for a "
          "Viewer); the simulator ignores the filter (all 96)",
          labels=("rule list current user",)),
    Known("session-sort", BUG,
          "GET /session?sort=...: HQ sorts sessions (sort=-id: 200, id descending) and an "
          "unknown field is 500 \"Cannot sort a 'Session' by 'bogus' because it does not "
          "exist\"; the simulator answers the generic 500 'An unexpected error occurred!' to "
          "both", labels=("session list sort -id", "session list sort bogus")),
    Known("dataframe-sort-error", BUG,
          "GET /session/{id}/dataframe?sort=bogus: HQ 400 \"Cannot sort a 'Dataframe' by "
          "'bogus' because it does not exist\" (pagination errors are 400 there); the "
          "simulator 500 'An unexpected error occurred!'",
          labels=("df list sort bogus",)),
    Known("task-delete-wrong-caller", BUG,
          "DELETE /task/{id} has @handle_exceptions outside @with_user: a node gets 401 'nodes "
          "are not allowed to access <url> (DELETE)' and a container token 500 'An unexpected "
          "error occurred: The specified alg value is not allowed'; the simulator answers "
          "500 'An unexpected error occurred!' and 422 'The specified alg value is not allowed'",
          labels=("task delete as node", "container delete task"),
          when=_outer_handle_exceptions("DELETE", r"/task/\d+")),
    Known("task-databases-after-dataframe-delete", BUG,
          "after DELETE /session/dataframe/{id}, HQ shows the tasks that used it with "
          "databases[].dataframe_id = null and dataframe_name = null; the simulator keeps the "
          "deleted dataframe's id and name",
          labels=("compute task of deleted df", "task list after")),
    Known("session-list-order", BUG,
          "GET /session as a user without session view rules (no role, or the container "
          "role): HQ's OR-of-joins query comes back in SQLite's plan order (ids 4, 5, 1 here); "
          "the simulator lists by id (1, 4, 5)",
          labels=("session list norole", "sweep r_container /session", "sweep norole /session")),
    Known("socket-sync-on-node-connect", BUG,
          "Socket.IO /tasks: HQ emits 'sync' (no data) to a node as it connects, before the "
          "'message' events of the rooms it joins; the simulator does not emit 'sync'",
          labels=("heard by nA",)),
]


def explain(record) -> Optional[Known]:
    return next((k for k in KNOWN if k.explains(record)), None)
