"""The few GitLab REST endpoints the rendered pipelines' own scripts call (merge request notes, issues, the
merged merge request's plan pipeline and its job artifacts), served from memory on a loopback port.

GitLab itself cannot run here; this stands in for its API only, so that the scripts the pipelines run (HTTP
calls, paging, matching the marker, choosing create or update) run for real. Shapes follow
https://docs.gitlab.com/ee/api/ (notes, issues, merge_requests, pipelines, jobs)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "glpat-test-token"


@dataclass
class GitLabProject:
    id: int = 42
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # MR iid -> notes
    issues: list[dict[str, Any]] = field(default_factory=list)
    commit_mrs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha -> merge requests
    mr_pipelines: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # iid -> pipelines, newest first
    bridges: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # pipeline -> bridge jobs
    jobs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # pipeline -> jobs
    artifacts: dict[int, bytes] = field(default_factory=dict)  # job id -> zip
    calls: list[str] = field(default_factory=list)

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        self.calls.append(f"{method} {path}")
        parts = path.strip("/").split("/")
        if parts[:4] != ["api", "v4", "projects", str(self.id)]:
            return 404, {"message": "404 Project Not Found"}
        rest = parts[4:]
        if rest[:1] == ["merge_requests"] and rest[2:3] == ["notes"]:
            notes = self.notes.setdefault(int(rest[1]), [])
            if method == "GET":
                page, per_page = int(query.get("page", "1")), int(query.get("per_page", "20"))
                return 200, notes[(page - 1) * per_page:page * per_page]
            if method == "POST":
                note = {"id": 1000 + sum(len(n) for n in self.notes.values()), "body": body["body"]}
                notes.append(note)
                return 201, note
            if method == "PUT":
                note = next(n for n in notes if n["id"] == int(rest[3]))
                note["body"] = body["body"]
                return 200, note
        if rest == ["issues"] and method == "GET":
            found = [i for i in self.issues if i["state"] == query.get("state", i["state"])
                     and query.get("labels", "") in i["labels"] and query.get("search", "") in i["title"]]
            return 200, found
        if rest == ["issues"] and method == "POST":
            issue = {"iid": len(self.issues) + 1, "title": body["title"], "description": body["description"],
                     "labels": body["labels"].split(","), "state": "opened"}
            self.issues.append(issue)
            return 201, issue
        if rest[:1] == ["issues"] and method == "PUT":
            issue = next(i for i in self.issues if i["iid"] == int(rest[1]))
            if body.get("state_event") == "close":
                issue["state"] = "closed"
            if "description" in body:
                issue["description"] = body["description"]
            return 200, issue
        if rest[:2] == ["repository", "commits"] and rest[3:] == ["merge_requests"]:
            return 200, self.commit_mrs.get(rest[2], [])
        if rest[:1] == ["merge_requests"] and rest[2:] == ["pipelines"]:
            return 200, self.mr_pipelines.get(int(rest[1]), [])
        if rest[:1] == ["pipelines"] and rest[2:] == ["bridges"]:
            return 200, self.bridges.get(int(rest[1]), [])
        if rest[:1] == ["pipelines"] and rest[2:] == ["jobs"]:
            return 200, self.jobs.get(int(rest[1]), [])
        if rest[:1] == ["jobs"] and rest[2:] == ["artifacts"] and int(rest[1]) in self.artifacts:
            return 200, self.artifacts[int(rest[1])]
        return 404, {"message": "404 Not Found"}


@contextmanager
def gitlab_api(project: GitLabProject) -> Iterator[str]:
    """Serve `project`; yields the API root (what CI_API_V4_URL holds)."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            if self.headers.get("PRIVATE-TOKEN") != TOKEN:
                self._reply(401, {"message": "401 Unauthorized"})
                return
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            query = {k: v[-1] for k, v in parse_qs(split.query).items()}
            self._reply(*project.route(method, split.path, query, body))

        def _reply(self, status: int, payload: Any) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/zip" if isinstance(payload, bytes) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    finally:
        server.shutdown()
        server.server_close()
