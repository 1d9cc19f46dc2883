#!/usr/bin/env python3
"""Sample banking-style JSON API that Vigil protects in `make run` and in the integration tests.

Python standard library only. HTTP/1.1 with keep-alive (every response carries Content-Length),
TCP_NODELAY on accepted sockets (avoids the ~40 ms Nagle/delayed-ACK stall seen on POSTs through
Envoy, platform.md section 4), quiet logging, prints `READY <port>` once it listens.

Endpoints
  GET  /healthz                          liveness
  GET  /api/v1/users/me                  the caller's profile (name, email, phone) and account ids
                                         (the caller is the `sub` of the bearer JWT; default u-1001)
  GET  /api/v1/accounts                  the caller's accounts
  GET  /api/v1/users?limit=N             user directory: N entries with names, emails and phones
                                         (excessive data retrieval has something to pull)
  GET  /api/v1/accounts/{id}             account detail
  GET  /api/v1/accounts/{id}/balance     balance
  GET  /api/v1/accounts/{id}/cards       payment cards: a full test card number (Luhn-valid) so
                                         response-side sensitive-data detection has something to find
  GET  /api/v1/customers/{id}            a KYC record with a US SSN and a date of birth (what a data
                                         policy would forbid, redact or block)
  GET  /api/v1/search?q=...              search transactions (echoes the query)
  POST /api/v1/transfers                 echoes the JSON body with an id
  POST /api/v1/login                     {"username","password"}: an unsigned demo JWT when the password
                                         is "correct horse" (every demo user's), else 401
  ANY  /echo[/...]                       returns method, path, request headers and body length as JSON
                                         (tests look for the x-vigil-* headers that reached the upstream)
  GET  /__upstream/hits                  how many requests reached this server (excluding this one)
                                         (tests prove a blocked request never reached the upstream)

Misconfigured on purpose (what Vigil's posture checks find; every other answer sends nosniff and
no-store, and a Server header without a version):
  GET  /api/v1/debug/error               500 with a Java stack trace, `Server: Apache/2.4.41 (Ubuntu)`
  GET  /api/v1/debug/sql                 500 with a MySQL syntax error, `X-Powered-By: PHP/7.4.3`
  GET  /api/v1/legacy/profile            HTTP Basic auth (401 without it); CORS reflecting any Origin
                                         with credentials; cacheable personal data; no nosniff
  GET  /api/v1/legacy/export?api_key=K   takes its credential in the query string
  anything else                          404 JSON

Fault injection for tests (request headers, never sent by real clients):
  x-sample-status: NNN                   answer with this status instead (JSON error body)
  x-sample-leak: ssn                     add a US SSN to a JSON object response (a new data type)
"""

import argparse
import base64
import json
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_hits = 0
_hits_lock = threading.Lock()
_transfer_seq = 1000
_MAX_BODY = 16 * 1024 * 1024


def _count_hit():
    global _hits
    with _hits_lock:
        _hits += 1


def _next_transfer_id():
    global _transfer_seq
    with _hits_lock:
        _transfer_seq += 1
        return _transfer_seq


def _b64url(obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _demo_jwt(sub):
    return "%s.%s." % (_b64url({"alg": "none", "typ": "JWT"}), _b64url({"sub": sub, "scope": "accounts"}))


def _caller(headers):
    """The `sub` of an unverified bearer JWT, or the demo default."""
    auth = headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        parts = auth[7:].strip().split(".")
        if len(parts) >= 2:
            try:
                pad = "=" * (-len(parts[1]) % 4)
                sub = json.loads(base64.urlsafe_b64decode(parts[1] + pad)).get("sub")
                if sub:
                    return str(sub)
            except (ValueError, AttributeError):
                pass
    return "u-1001"


def _accounts_of(user):
    """Two stable account ids per user."""
    h = sum((i + 1) * ord(c) for i, c in enumerate(user))
    return [str(100000 + h * 7 % 900000), str(100000 + h * 13 % 900000)]


def _account(acct_id):
    n = int(acct_id) if acct_id.isdigit() else sum(map(ord, acct_id))
    return {
        "id": acct_id,
        "owner": {
            "name": "Jane Doe" if n % 2 else "John Roe",
            "email": "jane.doe@example.com" if n % 2 else "john.roe@example.com",
            "phone": "+1-202-555-01%02d" % (n % 100),
        },
        "type": "checking" if n % 3 else "savings",
        "currency": "USD",
        "iban_masked": "****%04d" % (n % 10000),
        "opened": "2019-04-%02d" % (n % 28 + 1),
        "status": "active",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sample-api"
    sys_version = ""

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):  # quiet: the access log of interest is Envoy's
        pass

    # --- plumbing -------------------------------------------------------------------------

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers until the empty line.
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status, obj, extra_headers=(), secure=True, server=None, content_type="application/json"):
        """`secure` adds the headers a careful API sends (nosniff, no-store); `server` replaces
        the Server header; a str `obj` is sent as is."""
        forced = self.headers.get("x-sample-status", "")
        if forced.isdigit() and 100 <= int(forced) <= 599:
            status, obj = int(forced), {"error": "injected", "status": int(forced)}
        if self.headers.get("x-sample-leak") == "ssn" and isinstance(obj, dict):
            obj = dict(obj, ssn="536-22-8726")
        body = obj.encode() if isinstance(obj, str) else json.dumps(obj, separators=(",", ":")).encode()
        self.send_response_only(status)
        self.send_header("Server", server or self.server_version)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if secure:
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _misconfigured(self, path, url):
        """The endpoints misconfigured on purpose (see the module doc); False when `path` is not one."""
        if path == "/api/v1/debug/error":
            trace = ('java.lang.NullPointerException: Cannot invoke "Account.getId()" because "account" is null\n'
                     "\tat com.acme.bank.api.AccountController.get(AccountController.java:42)\n"
                     "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n"
                     "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:764)\n")
            self._send(500, trace, secure=False, server="Apache/2.4.41 (Ubuntu)", content_type="text/plain")
        elif path == "/api/v1/debug/sql":
            self._send(500, {"error": "You have an error in your SQL syntax; check the manual that corresponds to "
                                      "your MySQL server version for the right syntax to use near \"'\" at line 1"},
                       extra_headers=[("X-Powered-By", "PHP/7.4.3")])
        elif path == "/api/v1/legacy/profile":
            if not self.headers.get("Authorization", "").startswith("Basic "):
                self._send(401, {"error": "unauthorized"}, extra_headers=[("WWW-Authenticate", 'Basic realm="legacy"')])
                return True
            cors = []
            if self.headers.get("Origin"):
                cors = [("Access-Control-Allow-Origin", self.headers["Origin"]), ("Access-Control-Allow-Credentials", "true")]
            self._send(200, {"id": "u-1001", "name": "Jane Doe", "email": "jane.doe@example.com", "phone": "+1-202-555-0147"},
                       extra_headers=cors + [("Cache-Control", "private, max-age=600")], secure=False)
        elif path == "/api/v1/legacy/export":
            if parse_qs(url.query).get("api_key"):
                self._send(200, {"export": "accounts", "rows": 2})
            else:
                self._send(401, {"error": "api_key required"})
        else:
            return False
        return True

    def _handle(self):
        url = urlsplit(self.path)
        path = url.path
        if path != "/__upstream/hits":
            _count_hit()
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, {"error": "bad_request"})
            return
        m = self.command

        if path == "/__upstream/hits" and m == "GET":
            with _hits_lock:
                return self._send(200, {"hits": _hits})
        if path == "/echo" or path.startswith("/echo/"):
            headers = {}
            for k, v in self.headers.items():
                k = k.lower()
                headers[k] = headers[k] + "," + v if k in headers else v
            return self._send(200, {"method": m, "path": self.path, "headers": headers, "body_bytes": len(body)})
        if path == "/healthz" and m in ("GET", "HEAD"):
            return self._send(200, {"status": "ok"})
        if path == "/api/v1/users/me" and m == "GET":
            user = _caller(self.headers)
            return self._send(200, {
                "id": user, "name": "Jane Doe", "email": "jane.doe@example.com",
                "phone": "+1-202-555-0147", "roles": ["customer"], "mfa": True,
                "accounts": [{"id": a} for a in _accounts_of(user)],
            })
        if path == "/api/v1/accounts" and m == "GET":
            return self._send(200, {"accounts": [{"id": a, "type": "checking"} for a in _accounts_of(_caller(self.headers))]})
        if path == "/api/v1/users" and m == "GET":
            try:
                limit = max(1, min(500, int(parse_qs(url.query).get("limit", ["10"])[0])))
            except ValueError:
                return self._send(400, {"error": "bad_limit"})
            return self._send(200, {"users": [
                {"name": "User %d" % i, "email": "user%d@example.com" % i, "phone": "+1-202-555-%04d" % (i % 10000)}
                for i in range(limit)]})
        if path == "/api/v1/search" and m == "GET":
            q = parse_qs(url.query).get("q", [""])[0]
            return self._send(200, {"query": q, "results": [
                {"id": "tx-88231", "amount": "42.10", "currency": "USD", "merchant": "Coffee Corner"},
                {"id": "tx-88232", "amount": "1200.00", "currency": "USD", "merchant": "Rent Co"},
            ], "total": 2})
        if path == "/api/v1/login" and m == "POST":
            try:
                creds = json.loads(body or b"{}")
            except ValueError:
                return self._send(400, {"error": "invalid_json"})
            user = str(creds.get("username", "")) if isinstance(creds, dict) else ""
            password = str(creds.get("password", "")) if isinstance(creds, dict) else ""
            if not user or password != "correct horse":
                return self._send(401, {"error": "invalid_credentials"})
            return self._send(200, {"token": _demo_jwt(user), "token_type": "Bearer", "expires_in": 3600})
        if path == "/api/v1/transfers" and m == "POST":
            try:
                req = json.loads(body or b"{}")
            except ValueError:
                return self._send(400, {"error": "invalid_json"})
            return self._send(201, {"id": "tr-%d" % _next_transfer_id(), "status": "pending", "request": req})

        if m == "GET" and self._misconfigured(path, url):
            return

        mc = re.fullmatch(r"/api/v1/customers/([0-9]{1,12})", path)
        if mc and m == "GET":
            # 536-22-8726 passes the SSN area/group/serial rules; nobody's number, a leak on purpose.
            return self._send(200, {"id": mc.group(1), "name": "Jane Doe", "date_of_birth": "1984-07-12",
                                    "ssn": "536-22-8726", "email": "jane.doe@example.com",
                                    "address": {"street": "12 Elm Street", "city": "Springfield", "zip": "62704"}})

        mt = re.fullmatch(r"/api/v1/accounts/([A-Za-z0-9_-]{1,64})(/balance|/cards)?", path)
        if mt and m == "GET":
            acct, sub = mt.group(1), mt.group(2)
            if sub is None:
                return self._send(200, _account(acct))
            if sub == "/balance":
                return self._send(200, {"account_id": acct, "available": "2534.17", "ledger": "2610.00",
                                        "currency": "USD", "as_of": "2026-11-21T05:00:00Z"})
            return self._send(200, {"account_id": acct, "cards": [
                # 4111 1111 1111 1111 is the standard Visa test number (Luhn-valid): a data leak on purpose.
                {"id": "card-1", "brand": "visa", "number": "4111111111111111", "expiry": "12/29",
                 "holder": "JANE DOE", "status": "active"},
            ]})
        return self._send(404, {"error": "not_found", "path": path})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18080)
    args = ap.parse_args()
    srv = Server((args.host, args.port), Handler)
    print("READY %s:%d" % (args.host, srv.server_address[1]), flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
