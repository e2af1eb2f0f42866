"""The vantage6 server's Socket.IO namespace ``/tasks`` (server/websockets.py), for server mode,
over python-socketio.

Clients connect with ``Authorization: Bearer <token>``. On connect, a node joins ``all_nodes``,
``collaboration_<c>`` and ``collaboration_<c>_organization_<o>``; a user joins the rooms its
``event`` receive rule allows (3.x called it view) (global: every collaboration; collaboration: its organization's;
organization: ``collaboration_<c>_organization_<o>``), and each room hears
``"User <name> joined room <room>"``. An expired token is answered with ``expired_token``, a
badly signed one with ``invalid_token``, any other bad token with nothing, and none joins a room
(4.x); in the 3.x profile the connection to the namespace fails, as 3.11.1's crashing handler
makes it. The server's events (``new_task``, ``status_update``,
``algorithm_status_change``, ``kill_containers``, ``node-online``/``node-offline``) come from the
network's event trace, written in the network's profile: 4.x payloads as they are on the trace,
3.x payloads as 3.11 sends them (``task_created`` before ``new_task``, whose payload is the bare
task id; ``status_update`` names the ``result_id``).

Beyond the real server, a client may send ``join_room``/``leave_room`` with one of the rooms it is
allowed in: the older servers' dialect the seed documents use (3.11 and 4.x ignore it, and join
the allowed rooms on connect anyway).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol

import socketio

from simulator.core.events import Event
from simulator.core.http import HttpError
from simulator.vantage6.errors import V6Error
from simulator.vantage6.permissions import COL, GLO, ORG, RECEIVE

if TYPE_CHECKING:
    from simulator.core.events import EventTrace
    from simulator.vantage6.server import Vantage6Server


class SocketHost(Protocol):
    """What the sockets need from their platform: its server and event trace."""

    server: "Vantage6Server"
    events: "EventTrace"

log = logging.getLogger(__name__)
NAMESPACE = "/tasks"
ALL_NODES_ROOM = "all_nodes"
# the trace events that are socket events of the real server
SERVER_EVENTS = ("new_task", "status_update", "algorithm_status_change", "kill_containers",
                 "node-online", "node-offline")


@dataclass
class _Session:
    type: str
    name: str
    auth: Any
    allowed: list[str] = field(default_factory=list)  # the rooms it may be in
    rooms: list[str] = field(default_factory=list)  # the rooms it is in


class TaskSockets:
    """One network's ``/tasks`` namespace; ``wsgi(app)`` puts it in front of the HTTP app."""

    def __init__(self, host: SocketHost) -> None:
        self.sio = socketio.Server(async_mode="threading", cors_allowed_origins="*",
                                   ping_timeout=60, logger=False, engineio_logger=False)
        self.sio.register_namespace(_TasksNamespace(self))
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()
        self._unsubscribe: Optional[Callable[[], None]] = None
        self.attach(host)

    def attach(self, host: SocketHost) -> None:
        """Speak for ``host`` and listen to its event trace: ``Network.reset()`` builds a new
        platform, and the servers already running keep their sockets."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.host = host
        self._unsubscribe = host.events.subscribe(self._on_event)

    def wsgi(self, app: Callable) -> Callable:
        return socketio.WSGIApp(self.sio, app)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # ------------------------------------------------------------------ sessions
    def session(self, sid: str) -> Optional[_Session]:
        with self._lock:
            return self._sessions.get(sid)

    def open(self, sid: str, session: _Session) -> None:
        with self._lock:
            self._sessions[sid] = session

    def close_session(self, sid: str) -> Optional[_Session]:
        with self._lock:
            return self._sessions.pop(sid, None)

    # ------------------------------------------------------------------ server -> clients
    def _on_event(self, event: Event) -> None:
        if event.room is None or event.name not in SERVER_EVENTS:
            return
        try:
            for name, payload in self._translate(event):
                self.sio.emit(name, payload, room=event.room, namespace=NAMESPACE)
        except Exception:  # a socket problem never fails the request that caused the event
            log.exception("could not emit %s", event.name)

    def _translate(self, event: Event) -> list[tuple[str, Any]]:
        server = self.host.server
        return server.profile.socket_events(event, server.state)

    # ------------------------------------------------------------------ who may hear what
    def rooms_for(self, caller) -> list[str]:
        if caller.kind == "node":
            node = caller.node
            cid, oid = node.collaboration.id, node.organization.id
            return [ALL_NODES_ROOM, f"collaboration_{cid}",
                    f"collaboration_{cid}_organization_{oid}"]
        if caller.kind != "user":
            return []
        rules, org = caller.rules("event"), caller.organization
        if rules.can(RECEIVE, GLO):
            return [f"collaboration_{c}" for c in sorted(self.host.server.state
                                                         .collaborations)]
        if rules.can(RECEIVE, COL):
            return [f"collaboration_{c.id}" for c in org.collaborations]
        if rules.can(RECEIVE, ORG):
            return [f"collaboration_{c.id}_organization_{org.id}" for c in org.collaborations]
        return []


class _TasksNamespace(socketio.Namespace):
    def __init__(self, sockets: TaskSockets) -> None:
        super().__init__(NAMESPACE)
        self.sockets = sockets

    @property
    def server6(self):
        return self.sockets.host.server

    def on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        server = self.server6
        try:
            with server.lock:
                caller = server.profile.socket_caller(server, environ.get("HTTP_AUTHORIZATION"))
                auth_record = caller.user or caller.node
                if auth_record is None:
                    raise V6Error("containers do not connect")
                auth_record.status = "online"
                name = (auth_record.username if caller.kind == "user" else auth_record.name)
                session = _Session(caller.kind, name, auth_record,
                                   allowed=self.sockets.rooms_for(caller))
        except (HttpError, V6Error, KeyError, TypeError) as exc:
            if server.profile.refuses_bad_socket_token:  # 3.11.1's handler crashes [oracle]
                raise socketio.exceptions.ConnectionRefusedError("invalid or expired token")
            # 4.x and 5.x keep the connection; the profile says what, if anything, they tell
            event = server.profile.socket_token_event(exc)
            if event is not None:
                self.emit(event, room=sid)
            return
        self.sockets.open(sid, session)
        for event in server.profile.socket_greeting(caller.kind):
            self.emit(event, room=sid)
        for room in session.allowed:
            self._join(sid, session, room)

    def on_disconnect(self, sid: str, *_: Any) -> None:
        session = self.sockets.close_session(sid)
        if session is None:
            return
        for room in list(session.rooms):
            self._leave(sid, session, room)
        with self.server6.lock:
            session.auth.status = "offline"

    def on_join_room(self, sid: str, room: Any) -> None:
        session = self.sockets.session(sid)
        if session is not None and room in session.allowed and room not in session.rooms:
            self._join(sid, session, room)

    def on_leave_room(self, sid: str, room: Any) -> None:
        session = self.sockets.session(sid)
        if session is not None and room in session.rooms:
            self._leave(sid, session, room)

    def on_ping(self, sid: str, *_: Any) -> None:
        session = self.sockets.session(sid)
        if session is not None:
            server = self.server6
            with server.lock:
                session.auth.status, session.auth.last_seen = "online", server.clock.now()

    def on_message(self, sid: str, message: Any) -> None:
        log.info("received message: %s", message)

    def _join(self, sid: str, session: _Session, room: str) -> None:
        self.enter_room(sid, room)
        session.rooms.append(room)
        if room != ALL_NODES_ROOM:
            self.emit("message", f"{session.type.title()} <{session.name}> joined room <{room}>",
                      room=room)

    def _leave(self, sid: str, session: _Session, room: str) -> None:
        self.leave_room(sid, room)
        session.rooms.remove(room)
        if room != ALL_NODES_ROOM:
            self.emit("message", f"{session.name} left room {room}", room=room)
