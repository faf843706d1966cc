#!/usr/bin/env python3
"""Writes the hand-written seed inputs of the fuzz targets into tests/fuzz/corpus/<target>/seed-*.

Run it after changing a seed here; regressions (inputs that once crashed a target) are kept as
files of their own, corpus/<target>/regress-*, and are not touched by this script.
"""
import json
import os

ROOT = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def req(method, target, body=None, who=None, headers=(), ctype="application/json", version="1.1"):
    lines = [f"{method} {target} HTTP/{version}", "Host: localhost"]
    if who:
        lines.append(f"Authorization: Bearer @{who}@")
    lines += list(headers)
    if body is not None:
        b = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        lines.append(f"Content-Type: {ctype}")
        lines.append(f"Content-Length: {len(b.encode('utf-8'))}")
        return "\r\n".join(lines) + "\r\n\r\n" + b
    return "\r\n".join(lines) + "\r\n\r\n"


# ---- http: raw requests on one connection -------------------------------------------------
H = {
    "healthz": req("GET", "/healthz"),
    "orgs": req("GET", "/api/v1/orgs?limit=5", who="admin"),
    "login": req("POST", "/api/v1/auth/login", {"login": "member", "password": "shangliang-demo", "token": True}),
    "me-cookie": req("GET", "/api/v1/me", headers=["Cookie: sl_session=@member@; theme=dark"]),
    "patch-me": req("PATCH", "/api/v1/me", {"display_name": "委员甲"}, who="member"),
    "posts": req("GET", "/api/v1/deliberations/1/posts?limit=3&order=new", who="member"),
    "post-create": req("POST", "/api/v1/deliberations/1/posts", {"body": "**支持**这个提议 @[王伟](person:3)"}, who="member",
                       headers=["Idempotency-Key: k-1"]),
    "search": req("GET", "/api/v1/search?q=%E5%85%BB%E8%80%81&kind=post", who="member"),
    "etag": req("GET", "/api/v1/deliberations/1", who="member", headers=['If-None-Match: "abc"']),
    "pipelined": req("GET", "/api/v1/me", who="staff") + req("GET", "/api/v1/inbox?limit=2", who="staff")
    + req("POST", "/api/v1/inbox/read-all", who="staff"),
    "chunked": "POST /api/v1/topics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer @resident@\r\n"
    "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    "a\r\n{\"title\":\"\r\n10\r\n路灯坏了\",\"body\":\"\r\n9\r\n修一修\"}\r\n0\r\n\r\n",
    "http10": req("GET", "/api/v1/ledger/checkpoint", version="1.0"),
    "ledger-tile": req("GET", "/api/v1/ledger/tile/0/000"),
    "cross-origin": req("POST", "/api/v1/auth/logout", headers=["Cookie: sl_session=@admin@", "Origin: https://evil.example"]),
    "cases": req("GET", "/api/v1/cases?state=open&limit=10", who="dept_mz"),
    "survey-answer": req("POST", "/api/v1/surveys/1/responses", {"answers": [{"question": 1, "choices": [1]}]}, who="resident"),
    "upgrade": req("GET", "/api/v1/live", headers=["Upgrade: websocket", "Connection: Upgrade",
                                                  "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]),
    "no-upgrade": req("GET", "/api/v1/live"),
    "bad-method": req("BREW", "/api/v1/orgs"),
    "static": req("GET", "/assets/../../etc/passwd"),
    "absolute-target": "GET http://localhost/api/v1/orgs HTTP/1.1\r\nHost: x\r\n\r\n",
    "percent-path": req("GET", "/api/v1/orgs/%31%00/sectors", who="admin"),
    "roster": req("POST", "/api/v1/orgs/1/roster/import", "display_name,login,role\r\n张三,zhangsan3,member\r\n", who="admin",
                  ctype="text/csv"),
    "expect": "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
}
for k, v in H.items():
    write("http", k, v)

# ---- json: byte 0 route (fuzz_json.cc kRoutes), byte 1 caller, byte 2 id, then the body ----
ROUTES = ["login", "sms-codes", "register", "password-reset", "me", "orgs", "org", "sectors", "sector",
          "members", "membership", "person", "cosignatures", "notification-settings", "deliberations",
          "deliberation", "deliberation-state", "deliberation-phase", "posts", "bans", "post", "post-hide",
          "post-remove", "post-reports", "post-points", "point", "point-assign", "point-claim", "point-answers",
          "point-ask-again", "topic-calls", "topic-call", "topics", "topics-similar", "topic", "topic-screen",
          "topic-merge", "topic-deliberation", "surveys", "survey", "survey-state", "survey-responses",
          "case-settings", "cases", "case", "case-accept", "case-answer", "calendar", "org-calendar", "clock"]
CALLERS = ["admin", "staff", "member", "dept_mz", "resident", "leader", ""]
J = [
    ("login", "", 1, {"login": "member", "password": "wrong", "token": True}),
    ("sms-codes", "", 1, {"mobile": "13800000000", "purpose": "register"}),
    ("register", "", 1, {"mobile": "13800000000", "code": "123456", "password": "long-enough-1", "display_name": "王五"}),
    ("me", "member", 1, {"display_name": "委员乙", "mobile": "13900000001"}),
    ("orgs", "admin", 1, {"name": "新的组织", "parent_id": 1, "level": "city", "kind": "cppcc"}),
    ("org", "admin", 2, {"name": "改名的组织"}),
    ("sectors", "admin", 1, {"name": "经济界"}),
    ("members", "staff", 1, {"person_id": 4, "role": "member"}),
    ("membership", "admin", 3, {"role": "staff"}),
    ("person", "admin", 5, {"display_name": "新名字", "login": "renamed_1"}),
    ("notification-settings", "member", 1, {"channels": {"sms": False}, "quiet_hours": "22:00-07:00"}),
    ("deliberations", "staff", 1, {"org_id": 1, "title": "协商题目", "body": "说明", "visibility": "members"}),
    ("deliberation", "staff", 1, {"title": "改过的题目", "closes_at": "2030-01-01T00:00:00Z"}),
    ("deliberation-state", "staff", 1, {"state": "closed"}),
    ("deliberation-phase", "staff", 1, {"phase": "summary"}),
    ("posts", "member", 1, {"body": "我赞成。\n\n- 一\n- 二", "reply_to": 1, "attachments": []}),
    ("bans", "staff", 1, {"person_id": 5, "reason": "刷屏", "minutes": 60}),
    ("post", "member", 2, {"body": "改过的发言"}),
    ("post-hide", "staff", 2, {"reason": "离题"}),
    ("post-reports", "resident", 1, {"reason": "spam", "note": "广告"}),
    ("post-points", "staff", 1, {"title": "建议增加养老床位", "department_ids": [9]}),
    ("point-assign", "staff", 1, {"department_ids": [9, 10]}),
    ("point-answers", "dept_mz", 1, {"body": "已研究", "attachments": []}),
    ("topic-calls", "staff", 1, {"org_id": 1, "title": "征集议题", "opens_at": "2026-01-01", "closes_at": "2031-01-01"}),
    ("topics", "resident", 1, {"title": "路灯", "body": "村口路灯坏了", "org_id": 13}),
    ("topics-similar", "resident", 1, {"title": "路灯坏了"}),
    ("topic-screen", "staff", 1, {"decision": "accept", "note": "好"}),
    ("topic-merge", "staff", 2, {"into": 1}),
    ("topic-deliberation", "staff", 1, {"title": "从议题开协商"}),
    ("surveys", "staff", 1, {"org_id": 1, "title": "问卷", "questions": [{"kind": "single", "text": "同意吗", "options": ["是", "否"]}]}),
    ("survey-state", "staff", 1, {"state": "open"}),
    ("survey-responses", "member", 1, {"answers": [{"question_id": 1, "option_ids": [1]}, {"question_id": 2, "text": "无"}]}),
    ("case-settings", "admin", 1, {"working_days": 15, "enabled": True}),
    ("cases", "member", 1, {"org_id": 1, "kind": "proposal", "title": "关于养老的提案", "body": "内容", "cosigners": [3]}),
    ("case", "member", 1, {"title": "改过的提案"}),
    ("case-accept", "staff", 1, {"department_id": 9, "note": "交办"}),
    ("case-answer", "dept_mz", 1, {"body": "答复", "satisfaction": None}),
    ("calendar", "admin", 1, {"date": "2026-10-01", "kind": "holiday", "name": "国庆"}),
    ("clock", "admin", 1, {"advance_ms": 1000}),
    ("cosignatures", "", 1, {"witness": "w", "checkpoint": "x\n1\nAAAA\n"}),
]
for route, who, ident, body in J:
    data = bytes([ROUTES.index(route), CALLERS.index(who), ident - 1]) + json.dumps(body, ensure_ascii=False).encode("utf-8")
    write("json", route, data)
write("json", "deep-nesting", bytes([18, 2, 0]) + b'{"body":' + b"[" * 60 + b"]" * 60 + b"}")
write("json", "big-number", bytes([16, 1, 0]) + b'{"state":"open","id":1e400,"n":-9223372036854775809}')

# ---- live: byte 0 caller, then one message per line ----------------------------------------
L = [
    ("member", ['{"op":"subscribe","room":"deliberation:1","after_seq":0}', '{"op":"ping"}',
                '{"op":"unsubscribe","room":"deliberation:1"}']),
    ("", ['{"op":"subscribe","room":"ledger"}', '{"op":"subscribe","room":"survey:1"}']),
    ("staff", ['{"op":"subscribe","room":"inbox:2"}', '{"op":"subscribe","room":"inbox:3","after_seq":17}']),
    ("admin", ['{"op":"subscribe","room":"deliberation:99999999999999999999"}', '{"op":"subscribe","room":"nope:1"}',
               '{"op":"subscribe","room":"deliberation:-1","after_seq":-5}', '[1,2,3]', '{"op":1}', '"ping"']),
    ("resident", ['{"op":"subscribe","room":"deliberation:1"}'] * 20),
]
for i, (who, msgs) in enumerate(L):
    write("live", f"session-{i}", bytes([CALLERS.index(who)]) + "\n".join(msgs).encode("utf-8"))

# ---- markdown ------------------------------------------------------------------------------
M = {
    "basic": "# 标题\n\n**粗体** *斜体* ~~删除~~ 3~5 天\n\n- [ ] 待办\n- [x] 完成\n\n1. 一\n2. 二\n",
    "links": "[好](https://example.gov.cn) [坏](javascript:alert(1)) [坏2](JaVaScRiPt&#58;x) <https://a.b> www.example.com\n"
             "![图](/api/v1/attachments/3/content) ![坏](data:image/png;base64,AAAA) [x](  java\tscript:1)",
    "html": "<script>alert(1)</script>\n\n<div onclick=\"x\">文字</div> <img src=x onerror=alert(1)>",
    "mentions": "@[王伟](person:12) 和 @[民政厅](org:34) 以及 @[假](person:abc) @[](person:1)",
    "table": "| 甲 | 乙 |\n|:--|--:|\n| 1 | `code` |\n| <b>x</b> | [l](http://x) |\n",
    "code": "```js\nalert('<x>')\n```\n\n    indented <code>\n\n`inline <b>`",
    "nested": "> " * 30 + "引用\n\n" + "- " * 30 + "列表",
    "entities": "&lt;script&gt; &#x6a;avascript: &amp; &#0; &#xFFFFFFFF;",
    "invalid-utf8": b"\xff\xfe \xe4\xb8 \xed\xa0\x80 ok",
}
for k, v in M.items():
    write("markdown", k, v)

# ---- csv: byte 0 organisation (1..4), then the roster -------------------------------------
C = {
    "roster": "display_name,login,mobile,role,sector\r\n张三,zhang_san9,13700000001,member,\r\n李四,,13700000002,staff,\r\n",
    "chinese-header": "\ufeff姓名,登录名,角色\n王五,wangwu_7,委员\n",
    "quoted": 'display_name,login\n"赵,六","zhao""liu"\n"多\n行",duohang\n',
    "bad-quote": 'display_name,login\n"未结束,abc\n',
    "ragged": "display_name,login\n甲\n乙,b_b_b,多余\n",
    "unknown-column": "名字,login\n甲,abc_d\n",
    "duplicates": "display_name,login\n甲,same_1\n乙,same_1\n",
    "empty": "",
}
for i, (k, v) in enumerate(C.items()):
    write("csv", k, bytes([i % 4]) + v.encode("utf-8"))
