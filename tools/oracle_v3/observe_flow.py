"""Drive the real vantage6-server 3.11.1 oracle through the flow documented in
docs/vantage6-3.x-oracle.md and record every exchange + socket event.

usage: <oracle-v3 venv python> observe_flow.py [http://127.0.0.1:7633/api] [out.json]
Needs a FRESH oracle (serve.py just started): it assumes ids 1.. for the objects it creates.
"""
import base64, json, sys, time, threading
import requests, socketio

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7633/api"
LOG = []
EVENTS = []

def call(label, method, path, token=None, body=None, params=None, headers=None, raw=None):
    h = {}
    if token:
        h["Authorization"] = f"Bearer {token}"
    if headers:
        h.update(headers)
    r = requests.request(method, BASE + path, json=body if raw is None else None,
                         data=raw, params=params, headers=h)
    try:
        out = r.json()
    except Exception:
        out = {"__text__": r.text[:500]}
    hdr = {k: v for k, v in r.headers.items() if k.lower() in ("total-count", "link", "content-type", "jwt-token")}
    LOG.append({"label": label, "method": method, "path": path, "params": params,
                "request": body if raw is None else raw, "status": r.status_code,
                "headers": hdr, "body": out})
    print(f"== {label}: {method} {path} {params or ''} -> {r.status_code} {hdr}")
    print(json.dumps(out, indent=1, default=str)[:3000])
    return r.status_code, out

def sock(name, token):
    c = socketio.Client(reconnection=False)
    def any_(event, *args):
        EVENTS.append({"who": name, "t": round(time.time(), 3), "event": event, "args": args})
        print(f"   [socket {name}] {event} {args}")
    c.on("*", any_, namespace="/tasks")
    c.connect(BASE.rsplit("/api", 1)[0], namespaces=["/tasks"],
              headers={"Authorization": f"Bearer {token}"})
    time.sleep(0.5)
    EVENTS.append({"who": name, "event": "__connected__", "eio": c.eio.protocol if hasattr(c.eio, 'protocol') else None,
                   "transport": c.transport()})
    return c

def mark(m):
    EVENTS.append({"marker": m}); print("----", m)

# ---------------- auth
s, tok = call("root login", "POST", "/token/user", body={"username": "root", "password": "root"})
root = tok["access_token"]
call("root login wrong password", "POST", "/token/user", body={"username": "root", "password": "x"})
call("missing auth header", "GET", "/user/1")
call("bad token", "GET", "/user/1", token="abc.def.ghi")
call("GET user root", "GET", "/user/1", token=root)
call("GET organization root", "GET", "/organization/1", token=root)

# ---------------- orgs, collab
_, o2 = call("POST organization", "POST", "/organization", token=root,
             body={"name": "org-a", "address1": "a1", "address2": "", "zipcode": "1234", "country": "NL",
                   "domain": "a.org", "public_key": ""})
_, o3 = call("POST organization 2", "POST", "/organization", token=root, body={"name": "org-b"})
call("GET organization/<id>", "GET", f"/organization/{o2['id']}", token=root)
call("GET organization list", "GET", "/organization", token=root)
call("GET organization list include=metadata", "GET", "/organization", token=root, params={"include": "metadata"})
call("GET organization list page=1&per_page=2", "GET", "/organization", token=root, params={"page": 1, "per_page": 2})
call("GET organization list page=2&per_page=2&include=metadata", "GET", "/organization", token=root,
     params={"page": 2, "per_page": 2, "include": "metadata"})
_, col = call("POST collaboration", "POST", "/collaboration", token=root,
              body={"name": "col-1", "organization_ids": [o2["id"], o3["id"]], "encrypted": False})
cid = col["id"]
call("GET collaboration/<id>", "GET", f"/collaboration/{cid}", token=root)
call("GET collaboration/<id>/organization", "GET", f"/collaboration/{cid}/organization", token=root)
call("GET collaboration list", "GET", "/collaboration", token=root)

# ---------------- nodes, user
_, n2 = call("POST node org-a", "POST", "/node", token=root, body={"collaboration_id": cid, "organization_id": o2["id"]})
_, n3 = call("POST node org-b", "POST", "/node", token=root, body={"collaboration_id": cid, "organization_id": o3["id"], "name": "node-b"})
call("GET node/<id>", "GET", f"/node/{n2['id']}", token=root)
_, roles = call("GET role list", "GET", "/role", token=root, params={"name": "Researcher"})
rid = [r["id"] for r in roles if r["name"] == "Researcher"][0]
_, u = call("POST user", "POST", "/user", token=root,
            body={"username": "alice", "firstname": "Alice", "lastname": "A", "password": "Password123!",
                  "email": "alice@a.org", "organization_id": o2["id"], "roles": [rid]})
_, ut = call("user login", "POST", "/token/user", body={"username": "alice", "password": "Password123!"})
user = ut["access_token"]
call("GET user/<id> as self", "GET", f"/user/{u['id']}", token=user)
call("GET user/<id> as root", "GET", f"/user/{u['id']}", token=root)
_, nt = call("node login", "POST", "/token/node", body={"api_key": n2["api_key"]})
node = nt["access_token"]
_, nt3 = call("node login b", "POST", "/token/node", body={"api_key": n3["api_key"]})
node3 = nt3["access_token"]
call("node login bad key", "POST", "/token/node", body={"api_key": "nope"})

# ---------------- sockets
socks = {}
for name, t in [("root", root), ("alice", user), ("node-a", node)]:
    try:
        socks[name] = sock(name, t)
    except Exception as e:
        print("socket connect failed", name, repr(e)); EVENTS.append({"who": name, "error": repr(e)})
time.sleep(1.5)
mark("join_room emit by root")
try:
    socks["root"].emit("join_room", "collaboration_1", namespace="/tasks")
except Exception as e:
    EVENTS.append({"error": repr(e)})
time.sleep(1)

# ---------------- task (3.x shape)
payload = {"method": "average", "args": ["age"], "kwargs": {}, "master": False}
inp = base64.b64encode(b"json." + json.dumps(payload).encode()).decode()
mark("POST task 3.x shape by alice")
task_body = {"name": "t1", "image": "harbor2.vantage6.ai/demo/average", "collaboration_id": cid,
             "description": "d1", "organizations": [{"id": o2["id"], "input": inp}, {"id": o3["id"], "input": inp}],
             "database": "default"}
_, task = call("POST task (3.x shape)", "POST", "/task", token=user, body=task_body)
time.sleep(1.5)
tid = task["id"]
call("GET task/<id>", "GET", f"/task/{tid}", token=user)
call("GET task/<id>?include=results", "GET", f"/task/{tid}", token=user, params={"include": "results"})
call("GET task list", "GET", "/task", token=user)
call("GET task list include=metadata", "GET", "/task", token=user, params={"include": "metadata"})
call("GET task list include=results", "GET", "/task", token=user, params={"include": "results"})
call("GET task/<id>/result", "GET", f"/task/{tid}/result", token=user)
call("GET task/<id>/result include=metadata", "GET", f"/task/{tid}/result", token=user, params={"include": "metadata"})
_, res = call("GET result?task_id", "GET", "/result", token=user, params={"task_id": tid})
call("GET result?task_id include=metadata", "GET", "/result", token=user, params={"task_id": tid, "include": "metadata"})
call("GET result?task_id include=task", "GET", "/result", token=user, params={"task_id": tid, "include": "task"})
rid_a = [r for r in res if r["organization"]["id"] == o2["id"]][0]["id"]
rid_b = [r for r in res if r["organization"]["id"] == o3["id"]][0]["id"]
call("GET result/<id>", "GET", f"/result/{rid_a}", token=user)
call("GET result/<id>?include=task", "GET", f"/result/{rid_a}", token=user, params={"include": "task"})
call("GET result/<id> as node", "GET", f"/result/{rid_a}", token=node)
call("GET result?state=open&node_id as node", "GET", "/result", token=node, params={"state": "open", "node_id": n2["id"], "include": "task"})
call("GET task/<id> as node", "GET", f"/task/{tid}", token=node)

# errors
call("GET task unknown", "GET", "/task/9999", token=user)
call("GET task/<unknown>/result", "GET", "/task/9999/result", token=user)
call("GET result unknown", "GET", "/result/9999", token=user)
call("GET task as root (not member)", "GET", f"/task/{tid}", token=root)
call("POST task as root (not member)", "POST", "/task", token=root, body=task_body)

# container token
_, ct = call("POST token/container", "POST", "/token/container", token=node,
             body={"task_id": tid, "image": task_body["image"]})
call("POST token/container wrong image", "POST", "/token/container", token=node,
     body={"task_id": tid, "image": "other"})
call("POST token/container as user", "POST", "/token/container", token=user,
     body={"task_id": tid, "image": task_body["image"]})

# PATCH result as node
mark("PATCH result started")
call("PATCH result started_at+status active", "PATCH", f"/result/{rid_a}", token=node,
     body={"started_at": "2024-01-02T03:04:05.123456", "status": "active"})
time.sleep(1)
call("GET task after active", "GET", f"/task/{tid}", token=user)
for fmt in ["2024-01-02T03:04:05", "2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05.123456+00:00",
            "2024-01-02 03:04:05.123456"]:
    call(f"PATCH result started_at format {fmt!r}", "PATCH", f"/result/{rid_a}", token=node,
         body={"started_at": fmt, "status": "active"})
call("PATCH result other org's result", "PATCH", f"/result/{rid_b}", token=node, body={"status": "active"})
call("PATCH result as user", "PATCH", f"/result/{rid_a}", token=user, body={"status": "active"})
res_payload = base64.b64encode(b"json." + json.dumps({"avg": 42.0}).encode()).decode()
mark("PATCH result finished")
call("PATCH result finished", "PATCH", f"/result/{rid_a}", token=node,
     body={"started_at": "2024-01-02T03:04:05.123456", "finished_at": "2024-01-02T03:05:06.654321",
           "result": res_payload, "log": "hello log", "status": "completed"})
time.sleep(1)
call("PATCH already finished", "PATCH", f"/result/{rid_a}", token=node, body={"status": "active"})
call("GET task after one completed", "GET", f"/task/{tid}", token=user)
call("PATCH result b finished (node b)", "PATCH", f"/result/{rid_b}", token=node3,
     body={"finished_at": "2024-01-02T03:05:06.000001", "result": res_payload, "log": "b", "status": "completed"})
time.sleep(1)
call("GET task after all completed", "GET", f"/task/{tid}", token=user)
call("GET task/<id>?include=results after", "GET", f"/task/{tid}", token=user, params={"include": "results"})
call("GET task/<id>/result after", "GET", f"/task/{tid}/result", token=user)
call("GET result/<id> after", "GET", f"/result/{rid_a}", token=user)

# old shapes
mark("POST task old shape")
old = {"description": "old", "image": "img", "input": {"method": "x"}, "name": "old",
       "collaboration_id": cid, "organization_ids": [o2["id"]]}
call("POST task OLD shape with organization_ids", "POST", "/task", token=user, body=old)
old2 = dict(old); old2.pop("organization_ids")
call("POST task OLD shape without organization_ids", "POST", "/task", token=user, body=old2)
call("POST task organizations with dict input", "POST", "/task", token=user,
     body={"name": "dictin", "image": "img", "collaboration_id": cid, "description": "",
           "organizations": [{"id": o2["id"], "input": {"method": "x"}}], "database": "default"})
call("POST task unknown collaboration", "POST", "/task", token=user,
     body={"name": "x", "image": "img", "collaboration_id": 999, "organizations": [{"id": o2["id"], "input": inp}]})
call("POST task org not in collab", "POST", "/task", token=user,
     body={"name": "x", "image": "img", "collaboration_id": cid, "organizations": [{"id": 1, "input": inp}]})
call("POST task no body", "POST", "/task", token=user, raw="", headers={"Content-Type": "application/json"})
time.sleep(1)
call("GET task list after old shape attempts", "GET", "/task", token=user, params={"include": "metadata"})

mark("disconnect")
for n, c in socks.items():
    try: c.disconnect()
    except Exception as e: print(e)
time.sleep(1)
json.dump({"log": LOG, "events": EVENTS}, open(sys.argv[2] if len(sys.argv) > 2 else "oracle_v3_obs.json", "w"), indent=1, default=str)
print("DONE")
