#!/usr/bin/env python3
"""Seeds a running `shangliang serve --demo` for bench/deliberation.sh, through the HTTP API.

    bench/deliberation_seed.py http://127.0.0.1:PORT OUT_DIR [BIG_POSTS]

Logs in 64 demo members (m1000..m1063) and the demo staff, leader and department accounts, then:
  * the demo deliberation (网络议政协商会 on elderly care) gets 60 more top-level speeches by the
    64 members, written from the demo's own speeches (Markdown), each with 0-10 likes and 0-3
    replies; every third is split into a point assigned to an invited department, which answers
    it. Its newest page of 50 is what the read benchmark fetches.
  * a second open deliberation gets BIG_POSTS (1,000) top-level posts (articles and comments):
    the "1,000-post deliberation" that is served page by page, and liked.
Writes to OUT_DIR: tokens (64 bearer tokens, one a line), demo_id, parents (the 60 speeches'
ids), big_id, big_posts (its post ids), big_pages (the paths of its pages of 50, following
next_cursor), summary.json.
"""
import concurrent.futures
import http.client
import json
import os
import random
import sys
import threading
import urllib.parse

BASE = sys.argv[1]
OUT = sys.argv[2]
BIG_POSTS = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
PASSWORD = "shangliang-demo"
u = urllib.parse.urlparse(BASE)
rnd = random.Random(4)
local = threading.local()


def conn():
    c = getattr(local, "conn", None)
    if c is None:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        local.conn = c
    return c


def call(method, path, body=None, token=None, want=(200, 201)):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    for attempt in range(3):
        try:
            c = conn()
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
            break
        except (http.client.HTTPException, OSError):
            local.conn = None
            if attempt == 2:
                raise
    if r.status not in want:
        raise SystemExit(f"{method} {path} -> {r.status}: {raw[:300]!r}")
    return json.loads(raw) if raw else None


def login(name):
    return call("POST", "/api/v1/auth/login", {"login": name, "password": PASSWORD, "bearer": True})["token"]


members = [f"m{1000 + i}" for i in range(64)]
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    member_tokens = list(ex.map(login, members))
staff = login("staff")
depts = {"dept_mz": login("dept_mz"), "dept4": login("dept4"), "dept8": login("dept8")}
dept_org = {}
for name, tok in depts.items():
    me = call("GET", "/api/v1/me", token=tok)
    for m in me.get("memberships", []):
        if m.get("role") == "responder":
            dept_org[m["org"]["id"]] = tok

delibs = call("GET", "/api/v1/deliberations?limit=100")["items"]
demo = delibs[-1]
demo_id = demo["id"]
demo_full = call("GET", f"/api/v1/deliberations/{demo_id}")
subtopics = [s["id"] for s in demo_full.get("subtopics", [])]
departments = [d["id"] for d in demo_full.get("departments", []) if d["id"] in dept_org]
templates = [p for p in call("GET", f"/api/v1/deliberations/{demo_id}/posts?order=asc&limit=100")["items"]
             if p["kind"] == "article" and p["body"]]
if not templates or not departments:
    raise SystemExit(f"demo data not as expected: {len(templates)} speeches, departments {departments}")

REPLIES = ["完全赞同，建议尽快出台实施细则。", "这个问题在我们县也很突出，希望相关部门重视。",
           "建议补充资金保障和考核机制，否则难以落地。", "同意，另外要注意城乡之间的差别，分类施策。"]


def speak(i):
    tok = member_tokens[i % 64]
    t = templates[i % len(templates)]
    body = {"title": f"{t['title']}（{i + 1}）", "body": t["body"] + f"\n\n（委员补充意见第 {i + 1} 条）"}
    if subtopics:
        body["subtopic_id"] = subtopics[i % len(subtopics)]
    post = call("POST", f"/api/v1/deliberations/{demo_id}/posts", body, tok)
    pid = post["id"]
    for k in rnd.sample(range(64), rnd.randint(0, 10)):
        call("POST", f"/api/v1/posts/{pid}/like", None, member_tokens[k])
    for k in range(rnd.randint(0, 3)):
        call("POST", f"/api/v1/deliberations/{demo_id}/posts",
             {"parent_id": pid, "body": REPLIES[(i + k) % len(REPLIES)]}, member_tokens[(i + 7 * k + 1) % 64])
    if i % 3 == 0:
        dept = departments[(i // 3) % len(departments)]
        point = call("POST", f"/api/v1/posts/{pid}/points",
                     {"summary": t["title"][:40], "department_id": dept}, staff)
        call("POST", f"/api/v1/points/{point['id']}/answers",
             {"body": "感谢委员的建议。我厅已会同有关部门研究，将在年内出台具体措施，并在下一阶段向委员反馈落实情况。"},
             dept_org[dept])
    return pid


parents = [speak(i) for i in range(60)]

# The 1,000-post deliberation.
big = call("POST", "/api/v1/deliberations", {
    "org_id": demo_full["org"]["id"],
    "theme": "基准测试：千条发言的协商",
    "description": "bench/deliberation.sh 生成的协商，用于测量读取整场协商的开销。",
    "public_mode": "comment",
    "department_ids": departments}, staff)
big_id = big["id"]
call("POST", f"/api/v1/deliberations/{big_id}/state", {"state": "open"}, staff)


def big_post(i):
    t = templates[i % len(templates)]
    if i % 2 == 0:
        body = {"title": f"{t['title']}（{i + 1}）", "body": t["body"]}
    else:
        body = {"kind": "comment", "body": t["body"][: 60 + (i % 5) * 20]}
    return call("POST", f"/api/v1/deliberations/{big_id}/posts", body, member_tokens[i % 64])["id"]


with concurrent.futures.ThreadPoolExecutor(8) as ex:
    big_posts = list(ex.map(big_post, range(BIG_POSTS)))

pages = []
path = f"/api/v1/deliberations/{big_id}/posts?limit=50"
while True:
    pages.append(path)
    page = call("GET", path)
    if not page.get("next_cursor"):
        break
    path = f"/api/v1/deliberations/{big_id}/posts?limit=50&cursor={urllib.parse.quote(page['next_cursor'])}"

os.makedirs(OUT, exist_ok=True)


def write(name, lines):
    with open(os.path.join(OUT, name), "w") as f:
        f.write("\n".join(str(x) for x in lines) + "\n")


write("tokens", member_tokens)
write("demo_id", [demo_id])
write("parents", parents)
write("big_id", [big_id])
write("big_posts", big_posts)
write("big_pages", pages)
with open(os.path.join(OUT, "summary.json"), "w") as f:
    json.dump({"demo_id": demo_id, "speeches": len(parents), "big_id": big_id, "big_posts": len(big_posts),
               "big_pages": len(pages)}, f)
print(f"seeded: deliberation {demo_id} +{len(parents)} speeches; deliberation {big_id} with {len(big_posts)} posts "
      f"in {len(pages)} pages of 50")
