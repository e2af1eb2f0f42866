"""The two HQs of the 5.x differential suite and the machinery that calls both.

    real   vantage6-hq 5.0.3 (tools/oracle_v5/serve.py, its own Python 3.13 venv, SQLite) whose
           Keycloak is a simulator Network ("kc") served on loopback: HQ creates its users and
           node clients in that realm through the Keycloak admin API, as against a real one
    sim    a second Network(profile="5.x", nodes="manual") in server mode, with its own realm

Both start empty the same way (organization 1 "root", user 1 "admin"). Identities sign in at
their own world's realm: users get an access token minted by the realm (the sign-in itself is
tests/v5/test_userclient_flow.py's business; HQ only checks the token), nodes and service
accounts use the client-credentials grant over HTTP with the secret HQ handed out.

``Differ5`` is tests/oracle/differ.py's Differ with the 5.x placeholders (Keycloak ids,
secrets, the origin in messages, random names on request) and the bridge (``bridge.py``) for the
admin writes the simulator does not serve yet. Both worlds can be rewound to a snapshot: the
oracle's database hook plus a copy of its realm, a copy of the simulator's records and realm.
"""
from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import requests

from simulator import Network
from tests.oracle.differ import MISSING, Call, Differ, Outcome, World, norm
from tests.oracle.oracle import OracleError, OracleServer, _wait_ready, free_port, oracle_python

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / "tools" / "oracle_v5"
REALM = "vantage6"
TOKEN_SECONDS = 3600  # both realms: no token expires during the suite
START_TIMEOUT = 120

_JWT = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]*$")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ORIGIN = re.compile(r"http://127\.0\.0\.1:\d+")
# a Python set in a message ("Allowed values are: {...}"): its order is per process
_SET = re.compile(r"(?<=are: )\{((?:'[^']*'(?:, )?)+)\}")
SECRET_KEYS = ("api_key", "client_secret")
KEYCLOAK_KEYS = ("keycloak_id", "keycloak_client_id")


# ---------------------------------------------------------------------------------- the oracle
class OracleHQ(OracleServer):
    """The real HQ 5.0.3 as a child process, trusting the realm at ``keycloak_url``."""

    @classmethod
    def start_hq(cls, keycloak_url: str, progress=sys.stderr) -> "OracleHQ":
        python = oracle_python(progress, TOOLS / "install.sh", "V6_ORACLE_V5_PYTHON")
        log = tempfile.NamedTemporaryFile("w+", prefix="v6-oracle-hq-", suffix=".log",
                                          delete=False)
        last = "no attempt"
        for _ in range(3):  # a free port can be taken between the probe and the bind
            port = free_port()
            proc = subprocess.Popen(
                [python, str(TOOLS / "serve.py"), "--port", str(port),
                 "--keycloak-url", keycloak_url, "--realm", REALM,
                 "--admin-client", "backend-admin-client", "--admin-secret",
                 "myadminclientsecret", "--admin-username", "admin"],
                stdout=subprocess.PIPE, stderr=log, text=True)
            ready = _wait_ready(proc, START_TIMEOUT)
            if ready:
                hq = cls(proc, ready)
                hq.log_path = log.name
                return hq
            proc.kill()
            proc.wait(timeout=10)
            log.flush()
            last = f"exit {proc.returncode}: {Path(log.name).read_text()[-2000:]}"
        raise OracleError(f"the real HQ 5.0.3 did not start ({last})")


# ---------------------------------------------------------------------------------- realms
_REALM_RECORDS = ("_users", "_usernames", "_clients", "_client_ids", "sessions",
                  "device_codes", "_next_device_users")


def realm_snapshot(realm) -> dict:
    with realm.lock:
        saved = {k: copy.deepcopy(getattr(realm, k)) for k in _REALM_RECORDS}
        saved["rng"] = realm.rng.getstate()
        return saved


def realm_restore(realm, saved: dict) -> None:
    with realm.lock:
        for k in _REALM_RECORDS:
            setattr(realm, k, copy.deepcopy(saved[k]))
        realm.rng.setstate(saved["rng"])


# ---------------------------------------------------------------------------------- worlds
@dataclass
class World5(World):
    """One HQ: its API, the origin of its Keycloak and the realm object itself (in process)."""
    keycloak: str = ""
    realm: Any = None
    network: Optional[Network] = None  # the simulator's (the system under test) only
    names: dict[str, str] = field(default_factory=dict)  # identity -> Keycloak username


class Pair:
    """Both HQs, started empty; ``snapshot``/``rewind`` move both worlds together."""

    def __init__(self, progress=sys.stderr) -> None:
        self._stoppers: list[Callable[[], None]] = []
        try:
            self.kc = Network(profile="5.x", nodes="manual")  # the oracle's Keycloak
            kc_server = self.kc.serve()
            self._stoppers.append(kc_server.stop)
            self.kc_url = kc_server.url
            self.oracle = OracleHQ.start_hq(self.kc_url, progress)
            self._stoppers.append(self.oracle.stop)
            self.sut = Network(profile="5.x", nodes="manual")
            sut_server = self.sut.serve()
            self._stoppers.append(sut_server.stop)
            self.sut_url = sut_server.url
        except BaseException:
            self.stop()
            raise
        for net in (self.kc, self.sut):
            net.keycloak.realm(REALM).token_seconds = TOKEN_SECONDS
        self._sim_snapshots: dict[str, Any] = {}
        self._realm_snapshots: dict[str, tuple[dict, dict]] = {}
        self.snapshot("fresh")

    def worlds(self) -> tuple[World5, World5]:
        sim = World5("sim", self.sut_url + "/api", keycloak=self.sut_url,
                     realm=self.sut.keycloak.realm(REALM), network=self.sut)
        real = World5("real", self.oracle.api, keycloak=self.kc_url,
                      realm=self.kc.keycloak.realm(REALM))
        return sim, real

    def snapshot(self, name: str) -> None:
        self.oracle.snapshot(name)
        self._sim_snapshots[name] = _copy_state(self.sut)
        self._realm_snapshots[name] = (realm_snapshot(self.kc.keycloak.realm(REALM)),
                                       realm_snapshot(self.sut.keycloak.realm(REALM)))

    def rewind(self, name: str) -> None:
        self.oracle.restore(name)
        self.sut.vantage6.server.state = _copy_state(self.sut, self._sim_snapshots[name])
        real_realm, sim_realm = self._realm_snapshots[name]
        realm_restore(self.kc.keycloak.realm(REALM), real_realm)
        realm_restore(self.sut.keycloak.realm(REALM), sim_realm)

    def stop(self) -> None:
        while self._stoppers:
            stop = self._stoppers.pop()
            try:
                stop()
            except Exception:  # noqa: BLE001 - stop the rest whatever happens
                pass


def _sorted_lists(value: Any, keys: tuple[str, ...]) -> Any:
    """``value`` with the lists under ``keys`` (anywhere; ``"$"``: the body itself) sorted by
    id."""
    if not keys:
        return value
    if "$" in keys and isinstance(value, list):
        return sorted((_sorted_lists(x, keys) for x in value), key=_by_id)
    if isinstance(value, dict):
        return {k: (sorted((_sorted_lists(x, keys) for x in v), key=_by_id)
                    if k in keys and isinstance(v, list) else _sorted_lists(v, keys))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_sorted_lists(x, keys) for x in value]
    return value


def _by_id(item: Any) -> tuple:
    if isinstance(item, dict) and isinstance(item.get("id"), int):
        return (0, item["id"], "")
    return (1, 0, repr(item))


def _copy_state(network: Network, state=None):
    server = network.vantage6
    with server.lock:
        source = state if state is not None else server.state
        return copy.deepcopy(source, {id(network.clock): network.clock})


# ---------------------------------------------------------------------------------- the differ
def norm5(value: Any, mask: Iterable[str] = (), key: Optional[str] = None,
          aliases: Optional[dict[str, str]] = None) -> Any:
    """tests/oracle/differ.py's ``norm`` after the 5.x placeholders: Keycloak ids, secrets, the
    loopback origin (each HQ has its own port) and uuids in messages, Python sets in messages;
    keys in ``mask`` become ``<MASKED>``; ``aliases`` (random names HQ made up, of both worlds)
    are replaced by their placeholder wherever they appear."""
    if isinstance(value, dict):
        if key in ("errors", "msg"):
            value = _unknown_fields_last(value)
        return {k: ("<MASKED>" if k in mask and v is not None
                    else norm5(v, mask, k, aliases)) for k, v in value.items()}
    if isinstance(value, list):
        items = [norm5(v, mask, None, aliases) for v in value]
        if key == "methods" and all(isinstance(v, str) for v in items):
            items.sort()  # a Python set in HQ: its order depends on the hash seed
        return items
    if not isinstance(value, str):
        return value
    if key in KEYCLOAK_KEYS:
        return "<KEYCLOAK_ID>"
    if key in SECRET_KEYS and value:
        return "<SECRET>"
    if not _JWT.match(value):
        for name, placeholder in (aliases or {}).items():
            value = value.replace(name, placeholder)
        value = _ORIGIN.sub("<ORIGIN>", value)
        value = _UUID.sub("<UUID>", value)
        value = _SET.sub(lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", value)
    return norm(value)


def _unknown_fields_last(errors: dict) -> dict:
    """Marshmallow reports unknown fields after the others, in the order of a Python set (per
    process): those entries are compared sorted."""
    unknown = sorted(k for k, v in errors.items() if v == ["Unknown field."])
    return {k: v for k, v in errors.items() if k not in unknown} | {k: errors[k] for k in unknown}


@dataclass
class Record:
    """A compared call with both answers (what the known-differences list matches on)."""
    call: Call
    label: str
    body: Any
    params: Any
    sim: Outcome
    real: Outcome
    bridged: bool = False


class Differ5(Differ):
    def __init__(self, sim: World5, real: World5, bridge: Any = None, **kwargs: Any) -> None:
        super().__init__(sim, real, **kwargs)
        self.bridge = bridge
        self.log: list[Record] = []
        self._mask: tuple[str, ...] = ()
        self._unordered: tuple[str, ...] = ()
        self._random: tuple[str, ...] = ()
        self.aliases: dict[str, str] = {}  # a random name either HQ made up -> placeholder

    def normalise(self, body: Any) -> Any:
        return _sorted_lists(norm5(body, self._mask, aliases=self.aliases), self._unordered)

    def _compare(self, label, method, path, params, s, r, known) -> None:
        for key in self._random:  # each world's made-up value gets the same placeholder
            placeholder = f"<RANDOM {len(self.aliases) // 2 + 1}>"
            for outcome in (s, r):
                value = outcome.get(key)
                if isinstance(value, str) and value:
                    self.aliases[value] = placeholder
        super()._compare(label, method, path, params, s, r, known)

    def call(self, label: str, method: str, path: Any, who: Optional[str] = None, *,
             mask: Iterable[str] = (), unordered: bool | tuple[str, ...] = (),
             random: Iterable[str] = (),
             **kwargs: Any):
        """Differ.call, plus: ``mask`` keys compared as placeholders, ``unordered`` compares a
        list's ``data`` sorted by id (users and nodes: HQ lists them in Keycloak-id order; or
        the lists under the keys given),
        ``random`` keys of the answer are names HQ made up (an alias in every later body), and
        a write the simulator answers 501 while the real HQ succeeds is applied to the
        simulator's records by the bridge (its stand-in answer is returned for the sim)."""
        assert not any(r.label == label for r in self.log), f"duplicate label {label!r}"
        bodies = [kwargs.get("json_", MISSING)] * 2
        if callable(bodies[0]):
            bodies = [bodies[0](w) for w in self.worlds]
        self._mask, self._random = tuple(mask), tuple(random)
        self._unordered = ("data",) if unordered is True else tuple(unordered or ())
        try:
            s, r = super().call(label, method, path, who, **kwargs)
        finally:
            self._mask, self._unordered, self._random = (), (), ()
        record = Record(self.records[-1], label, bodies[1], kwargs.get("params"), s, r)
        self.log.append(record)
        if (self.bridge is not None and s.status == 501 and r.status < 300
                and method in ("POST", "PATCH", "DELETE")):
            sim_path = path(self.worlds[0]) if callable(path) else path
            stand_in = self.bridge.apply(self.worlds[0], method, sim_path, bodies[0],
                                         kwargs.get("params"), r)
            record.bridged = True
            s = Outcome(r.status, stand_in, {})
        return s, r

    # ------------------------------------------------------------------ identities
    def sign_in(self, ident: str, username: Optional[str] = None) -> None:
        """A user signs in at each world's realm (an access token as Keycloak issues it)."""
        username = (username or ident).lower()
        for w in self.worlds:
            w.tok[ident] = w.realm.mint(username)
            w.names[ident] = username

    def client_login(self, ident: str, client_id: Callable[[World5], str],
                     secret_key: str) -> list[int]:
        """A node or service account: the client-credentials grant at each world's Keycloak
        with the secret that world's HQ handed out (``w.vals[secret_key]``). The statuses."""
        statuses = []
        for w in self.worlds:
            r = self._session.post(
                f"{w.keycloak}/realms/{REALM}/protocol/openid-connect/token",
                data={"grant_type": "client_credentials", "client_id": client_id(w),
                      "client_secret": w.vals.get(secret_key) or ""}, timeout=30)
            statuses.append(r.status_code)
            if r.status_code == 200:
                w.tok[ident] = r.json()["access_token"]
        return statuses

    def node_sign_in(self, ident: str) -> None:
        statuses = self.client_login(ident, lambda w: f"{w.vals[f'name:{ident}']}-node-client",
                                     f"key:{ident}")
        assert statuses == [200, 200], f"node {ident} could not sign in: {statuses}"

    def each(self, fn: Callable[[World5], Any]) -> tuple[Any, Any]:
        return fn(self.worlds[0]), fn(self.worlds[1])

    def compare_heard(self, label: str, sim: list, real: list) -> None:
        """What two socket listeners heard, compared (and counted) like an answer."""
        s, r = Outcome(200, sim, {}), Outcome(200, real, {})
        self._compare(label, "SOCKET", "/tasks", None, s, r, None)
        self.log.append(Record(self.records[-1], label, MISSING, None, s, r))


class Listener:
    """A python-socketio client on HQ's namespace /tasks (at the origin's /socket.io), signed
    in as ``who`` of world ``w``; it keeps every event it hears, in order."""

    def __init__(self, w: World5, who: str) -> None:
        import socketio

        self.events: list[list] = []
        self.sio = socketio.Client()
        self.sio.on("*", lambda event, *data: self.events.append([event, list(data)]),
                    namespace="/tasks")
        self.sio.connect(w.base[: -len("/api")],
                         headers={"Authorization": f"Bearer {w.tok[who]}"},
                         namespaces=["/tasks"], transports=["polling"], wait_timeout=20)

    def wait_for(self, name: str, timeout: float = 15, settle: float = 0.3) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e == name for e, _ in self.events):
                time.sleep(settle)  # what comes with it
                return
            time.sleep(0.02)
        raise AssertionError(f"{name!r} not heard; heard {self.events}")

    def heard(self) -> list:
        return [list(e) for e in self.events]

    def close(self) -> None:
        self.sio.disconnect()

