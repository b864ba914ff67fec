"""The render stamp: what the rendered tree on disk was made from, so that a command can tell in a few
milliseconds that the tree is current, without loading the spec (YAML, models, checks) and rendering it
again to compare.

`<repo>/.mlstrata/render-stamp.json` (ignored by git) is written when a command has just seen the tree equal
to what the spec renders. It records the spec file (resolved path, SHA-256 of its bytes), mlstrata's own
code (every file of the package by path, size and modification time: another version or an edited checkout
may render differently), the tree's digest (`RenderedTree.digest`: every managed path and its content) and
the `RunProfile`, what opening the tree needs from the spec. A command trusts it only when all of these
match now, the tree's files hashed as they are on disk; anything else (no stamp, another or an edited spec,
an edited, missing or added rendered file, another mlstrata) takes the full path, which reports a stale
tree as before. The stamp holds no secret: variable names, never their values.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.drift.allowances import AllowedDrift
from mlstrata.repo import MANIFEST, STAMP
from mlstrata.targets.runs import RunVariable

FORMAT = 3  # 2: the profile records drift.allow; 3: and what `validate` reports
_PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class RunProfile:
    """What opening a rendered tree needs from its spec: the target, the environments in spec order, the
    protected ones, the variables runs read from the user's environment, the spec's warnings, and the drift
    it allows (`drift.allow`, for `mlstrata drift`)."""

    target: str
    environments: tuple[str, ...]
    protected: tuple[str, ...]
    variables: tuple[RunVariable, ...]
    warnings: tuple[Diagnostic, ...]
    drift_allow: tuple[AllowedDrift, ...] = ()
    # what `mlstrata validate` reports of a valid spec (its JSON report less the warnings, plus the GPU pool count),
    # as canonical JSON: `validate` of an unchanged spec replays it without loading the spec
    validation: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"target": self.target, "environments": list(self.environments), "protected": list(self.protected),
                "variables": [v.to_dict() for v in self.variables],
                "warnings": [d.to_dict() for d in self.warnings],
                "drift_allow": [a.to_dict() for a in self.drift_allow], "validation": self.validation}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunProfile:
        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key)
            if not isinstance(value, list):
                raise ValueError(key)
            return tuple(str(v) for v in value)

        variables, warnings, allow = data.get("variables"), data.get("warnings"), data.get("drift_allow")
        if not isinstance(variables, list) or not isinstance(warnings, list) or not isinstance(allow, list):
            raise ValueError("variables/warnings/drift_allow")
        return cls(target=str(data["target"]), environments=strings("environments"), protected=strings("protected"),
                   variables=tuple(RunVariable.from_dict(v) for v in variables),
                   warnings=tuple(_diagnostic(w) for w in warnings),
                   drift_allow=tuple(AllowedDrift.from_dict(a) for a in allow), validation=str(data["validation"]))

    def moved(self, old_file: str, new_file: str) -> RunProfile:
        """The profile with places in the spec named as `new_file` (how this command was given the spec)
        instead of `old_file` (how the command that wrote the stamp was)."""
        def at(where: Where | None) -> Where | None:
            return Where(new_file, where.line, where.column) if where is not None and where.file == old_file \
                else where

        return RunProfile(self.target, self.environments, self.protected,
                          tuple(RunVariable(v.name, v.to, at(v.where), v.hint, v.code) for v in self.variables),
                          tuple(Diagnostic(d.severity, d.summary, d.detail, at(d.where), d.path, d.hint, d.code)
                                for d in self.warnings), self.drift_allow, self.validation)


def _diagnostic(data: object) -> Diagnostic:
    """The inverse of `Diagnostic.to_dict` (which keeps no `extra`: spec warnings carry none)."""
    if not isinstance(data, dict):
        raise ValueError("diagnostic")
    where = None
    if "file" in data:
        where = Where(str(data["file"]), int(data.get("line", 0)), int(data.get("column", 0)))
    return Diagnostic(Severity(str(data["severity"])), str(data["summary"]), str(data.get("detail", "")), where,
                      str(data.get("path", "")), str(data.get("hint", "")), str(data.get("code", "")))


def code_fingerprint(package: Path = _PACKAGE) -> str:
    """mlstrata's code as installed: every file of the package (caches left out) by path, size and
    modification time; a few milliseconds, where hashing the contents would cost more than it saves."""
    parts: list[str] = []
    pending = [str(package)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        pending.append(entry.path)
                    continue
                stat = entry.stat()
                parts.append(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    parts.sort()
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def managed_files(repo: Path, manifest: str = MANIFEST) -> set[str]:
    """The files the last render wrote (its manifest); empty when there is none or it cannot be read."""
    try:
        data = json.loads((repo / manifest).read_text(encoding="utf-8"))
        return {str(p) for p in data.get("files", [])}
    except (OSError, ValueError, AttributeError, TypeError):
        return set()


def tree_digest(repo: Path) -> str | None:
    """`RenderedTree.digest` of the managed files as they are on disk now (written as UTF-8 with `\\n`, so
    their bytes are what the digest hashes); None when one cannot be read."""
    digest = hashlib.sha256()
    try:
        for rel in sorted(managed_files(repo)):
            digest.update(rel.encode() + b"\0" + (repo / rel).read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()


def record(repo: Path, spec_file: Path, spec_sha256: str, tree: str, profile: RunProfile) -> None:
    """Write the stamp (atomically; a stamp that cannot be written only costs the next command the full
    path). `tree`: the digest of what the spec renders, which the tree on disk was just seen to equal."""
    stamp = repo / STAMP
    data = {"format": FORMAT, "code": code_fingerprint(), "spec": {"file": str(spec_file),
            "path": str(spec_file.resolve()), "sha256": spec_sha256}, "tree": tree, "profile": profile.to_dict()}
    tmp = stamp.with_name(f"{stamp.name}.{os.getpid()}.tmp")
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, stamp)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def current_profile(repo: Path, spec_file: Path, *, tree: bool = True) -> RunProfile | None:
    """The recorded profile when the stamp vouches that the tree on disk is what `spec_file` renders with
    this mlstrata (see the module's docstring); None otherwise. `tree=False`: when it vouches for the spec
    file and mlstrata's code only (what `validate` reports depends on nothing else)."""
    try:
        data = json.loads((repo / STAMP).read_text(encoding="utf-8"))
        spec = data["spec"]
        if data.get("format") != FORMAT or spec["path"] != str(spec_file.resolve()):
            return None
        if spec["sha256"] != file_sha256(spec_file) or data["code"] != code_fingerprint():
            return None
        if tree and data["tree"] != tree_digest(repo):
            return None
        return RunProfile.from_dict(data["profile"]).moved(str(spec["file"]), str(spec_file))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
