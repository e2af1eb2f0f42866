"""Differential machinery: the same raw HTTP call against the simulator and the real vantage6
server, both answers normalised and compared (moved here from tools/diff_oracle.py).

Each response is normalised before comparing: JWTs become their claims with times and ids
replaced, ISO datetimes a placeholder, api keys a placeholder, HATEOAS ``methods`` lists sorted
(the real server emits a Python set), as are Python sets quoted in messages and the ``Allow``
header. Compared: status, JSON body (keys, key order, types, values) and the ``total-count``,
``Link`` and ``Allow`` headers. Calls whose difference is known and deliberate carry
``known=<reason>`` and are counted apart; every such reason is listed in COVERAGE.md.
"""
from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import jwt
import requests
from werkzeug.exceptions import HTTPException

JWT_SECRET = "oracle-secret"  # what tools/oracle/serve.py configures by default
_JWT_RE = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]*$")
_DT_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# a Python set in a message (e.g. "Allowed keys are {...}"): its order is per process
_SET_RE = re.compile(r"(?<=are )\{((?:'[^']*'(?:, )?)+)\}")
MISSING = object()


# ---------------------------------------------------------------------------------- normalising
def norm(value: Any, key: Optional[str] = None) -> Any:
    if isinstance(value, dict):
        return {k: norm(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [norm(v) for v in value]
        if key == "methods" and all(isinstance(v, str) for v in items):
            items.sort()
        return items
    if isinstance(value, str):
        if _JWT_RE.match(value):
            return {"<JWT>": _claims(value)}
        if key in ("api_key", "otp_secret") and value:
            return "<API_KEY>" if _UUID_RE.match(value) else "<SECRET>"
        value = _SET_RE.sub(lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
                            value)
        return _DT_RE.sub("<DT>", value)
    return value


def _claims(token: str) -> Any:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return "<undecodable>"
    out = {}
    for k, v in claims.items():
        if k in ("iat", "nbf"):
            out[k] = "<T>"
        elif k == "exp":
            out[k] = f"iat+{v - claims.get('iat', 0)}"
        elif k in ("jti", "csrf"):
            out[k] = "<ID>"
        else:
            out[k] = norm(v, k)
    return out


def diff(a: Any, b: Any, path: str = "$") -> list[str]:
    """Differences between simulator value ``a`` and oracle value ``b``."""
    out: list[str] = []
    if type(a) is not type(b):
        return [f"{path}: sim {_short(a)} != real {_short(b)}"]
    if isinstance(a, dict):
        for k in a.keys() - b.keys():
            out.append(f"{path}.{k}: only in sim ({_short(a[k])})")
        for k in b.keys() - a.keys():
            out.append(f"{path}.{k}: only in real ({_short(b[k])})")
        for k in a.keys() & b.keys():
            out += diff(a[k], b[k], f"{path}.{k}")
        if not out and list(a) != list(b):
            out.append(f"{path}: key order sim {list(a)} != real {list(b)}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: length sim {len(a)} != real {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
            if len(out) > 8:
                out.append(f"{path}: ...")
                break
        return out
    if a != b:
        out.append(f"{path}: sim {_short(a)} != real {_short(b)}")
    return out


def compare(s: "Outcome", r: "Outcome", normalise: Callable[[Any], Any] = norm) -> list[str]:
    """What differs between the simulator's answer ``s`` and the real one ``r`` (empty: same)."""
    problems = []
    if s.status != r.status:
        problems.append(f"status: sim {s.status} != real {r.status}")
    problems += diff(normalise(s.body), normalise(r.body))
    for h in ("total-count", "Link", "Allow"):
        if _header(s, h) != _header(r, h):
            problems.append(f"header {h}: sim {s.headers.get(h)!r} != real {r.headers.get(h)!r}")
    if ("jwt-token" in s.headers) != ("jwt-token" in r.headers):
        problems.append("header jwt-token present in only one world")
    return problems


def _header(o: "Outcome", name: str) -> Optional[str]:
    value = o.headers.get(name)
    if name == "Allow" and value:  # werkzeug lists the methods of a set
        value = ", ".join(sorted(value.split(", ")))
    return value


def _short(v: Any, n: int = 300) -> str:
    s = json.dumps(v) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


# ---------------------------------------------------------------------------------- the worlds
@dataclass
class World:
    name: str
    base: str  # .../api
    tok: dict[str, str] = field(default_factory=dict)  # identity -> access token
    ref: dict[str, str] = field(default_factory=dict)  # identity -> refresh token
    vals: dict[str, Any] = field(default_factory=dict)  # per-world captured values

    @property
    def root_path(self) -> str:
        return requests.utils.urlparse(self.base).path


@dataclass
class Outcome:
    status: int
    body: Any
    headers: dict

    def get(self, *keys, default=None):
        v = self.body
        for k in keys:
            try:
                v = v[k]
            except (KeyError, IndexError, TypeError):
                return default
        return v


@dataclass
class Call:
    """One compared call: what was sent (the real world's path), and how the answers compared."""
    section: str
    label: str
    method: str
    path: str
    status: int  # the real server's status
    problems: list[str]
    known: Optional[str] = None

    @property
    def identical(self) -> bool:
        return not self.problems


class Differ:
    def __init__(self, sim: World, real: World, verbose: bool = False,
                 show: Optional[str] = None, echo: bool = True) -> None:
        self.worlds = (sim, real)
        self.verbose = verbose
        self.show = show  # print both answers of calls whose label contains this
        self.echo = echo  # print differences as they happen
        self.section = ""
        self.records: list[Call] = []
        self._session = requests.Session()  # keep-alive: loopback only, no proxies, no .netrc
        self._session.trust_env = False

    # the figures
    @property
    def calls(self) -> int:
        return len(self.records)

    @property
    def same(self) -> int:
        return sum(1 for c in self.records if c.identical)

    @property
    def differing(self) -> list[Call]:
        """Differences nobody explained: each one is a bug in the simulator (or in the script)."""
        return [c for c in self.records if c.problems and not c.known]

    @property
    def known(self) -> list[Call]:
        return [c for c in self.records if c.problems and c.known]

    def call(self, label: str, method: str, path: Any, who: Optional[str] = None, *,
             json_: Any = MISSING, data: Any = None, params: Any = None,
             headers: Optional[dict] = None, auth: Any = None,
             known: Optional[str] = None) -> tuple[Outcome, Outcome]:
        """Send one request to both worlds. ``who`` names a logged-in identity; ``auth`` (a value or
        a function of the world) overrides the Authorization header; ``json_`` and ``data`` may be
        functions of the world too."""
        outs = []
        for w in self.worlds:
            hdrs = dict(headers or {})
            a = auth(w) if callable(auth) else auth
            if a is not None:
                hdrs["Authorization"] = a
            elif who is not None:
                hdrs["Authorization"] = f"Bearer {w.tok[who]}"
            kwargs: dict[str, Any] = {"headers": hdrs, "params": params, "timeout": 60,
                                      "allow_redirects": True}
            if json_ is not MISSING:
                kwargs["json"] = json_(w) if callable(json_) else json_
            if data is not None:
                kwargs["data"] = data(w) if callable(data) else data
            resp = self._session.request(method, w.base + (path(w) if callable(path) else path),
                                         **kwargs)
            try:
                body = resp.json()
            except ValueError:
                body = {"<non-json>": resp.text[:80]}
            outs.append(Outcome(resp.status_code, body, dict(resp.headers)))
        shown = path(self.worlds[1]) if callable(path) else path
        self._compare(label, method, shown, params, *outs, known=known)
        return outs[0], outs[1]

    def _compare(self, label: str, method: str, path: str, params: Any, s: Outcome, r: Outcome,
                 known: Optional[str]) -> None:
        full = f"{label}: {method} {path}" + (f" {params}" if params else "")
        if self.show and self.show in full:
            print(f"  SHOW {full}\n    sim  {s.status} {_short(s.body, 2000)}\n"
                  f"    real {r.status} {_short(r.body, 2000)}")
        problems = compare(s, r, self.normalise)
        self.records.append(Call(self.section, full, method, path, r.status, problems,
                                 known if problems else None))
        if not problems:
            if self.verbose:
                print(f"  ok   {full}")
        elif known:
            if self.echo:
                print(f"  KNOWN {full}  ({known})")
        elif self.echo:
            print(f"  DIFF {full}")
            for p in problems:
                print(f"         {p}")

    def normalise(self, body: Any) -> Any:
        """A body as compared (subclasses add their own placeholders)."""
        return norm(body)

    # ------------------------------------------------------------------ identities
    def login(self, ident: str, username: str, password: str) -> None:
        s, r = self.call(f"login {ident}", "POST", "/token/user",
                         json_={"username": username, "password": password})
        for w, o in zip(self.worlds, (s, r)):
            if o.status == 200:
                w.tok[ident], w.ref[ident] = o.body["access_token"], o.body["refresh_token"]

    def node_login(self, ident: str) -> None:
        s, r = self.call(f"login node {ident}", "POST", "/token/node",
                         json_=lambda w: {"api_key": w.vals[f"key:{ident}"]})
        for w, o in zip(self.worlds, (s, r)):
            if o.status == 200:
                w.tok[ident], w.ref[ident] = o.body["access_token"], o.body["refresh_token"]

    def keep(self, name: str, pair, *keys) -> None:
        """Remember a value of each world's answer (e.g. the id it created) under ``name``."""
        for w, o in zip(self.worlds, pair):
            w.vals[name] = o.get(*(keys or ("id",)))


class ScriptRun:
    """One pass of a script (its ``sections``, in order) over one pair of fresh worlds; a
    section runs the ones before it first if they have not run (so ``-k lifecycle`` works on
    its own)."""

    def __init__(self, differ: Differ, sections: list[Callable[[Differ], None]]) -> None:
        self.differ = differ
        self.sections = sections
        self.done: list[str] = []

    def through(self, name: str) -> list[Call]:
        for section in self.sections:
            if section.__name__ not in self.done:
                self.differ.section = section.__name__
                self.done.append(section.__name__)
                section(self.differ)
            if section.__name__ == name:
                break
        return [c for c in self.differ.records if c.section == name]


def exercised(calls: list[Call], urls) -> set[tuple[str, str]]:
    """The (route rule, method) pairs of ``urls`` (a bound werkzeug map under ``/api``) that
    ``calls`` reached; HEAD, OPTIONS and socket pseudo-calls do not count."""
    seen = set()
    for call in calls:
        if call.method in ("HEAD", "OPTIONS", "SOCKET"):
            continue
        try:
            rule, _ = urls.match("/api" + re.sub(r"\?.*$", "", call.path), call.method)
        except HTTPException:
            continue
        seen.add((rule, call.method))
    return seen


# ---------------------------------------------------------------------------------- helpers
def b64(obj: Any) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def bearer(token: str) -> str:
    return f"Bearer {token}"


def made_token(claims_update: dict, secret: str = JWT_SECRET) -> str:
    now = int(time.time())
    claims = {"fresh": False, "iat": now, "jti": "x", "type": "access", "sub": 1, "nbf": now,
              "csrf": "y", "exp": now + 3600, "client_type": "user", "roles": ["Root"]}
    claims.update(claims_update)
    claims = {k: v for k, v in claims.items() if v is not MISSING}
    return jwt.encode(claims, secret, algorithm="HS256")


def now_iso() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).isoformat()


ROLE_VIEWER, ROLE_RESEARCHER, ROLE_ORG_ADMIN, ROLE_COL_ADMIN = 4, 5, 6, 7
STRONG_PW = "Password123!"
IMAGE = "harbor2.vantage6.ai/demo/average"
