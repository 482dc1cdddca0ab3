"""An independent reference checker for our transparency log: Go's golang.org/x/mod/sumdb.

`check(payload)` runs tests/interop/tlogcheck (a small Go program over
golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog) on one JSON payload
and returns its JSON answer. None of the verification is ours: the Go program
only parses the C2SP checkpoint body lines and hands everything else to x/mod.

Interface (all hashes and byte strings are standard, padded base64; build the pieces
with `b64`, `inclusion`, `consistency` and `tree` below):

    payload = {
        "vkey": "<name>+<8 hex key hash>+<base64(0x01 || Ed25519 public key)>",
        "checkpoints": ["<full signed note text>", ...],
        "inclusion": [{"leaf_data", "index", "tree_size", "root", "proof": [...]}, ...],
        "consistency": [{"old_size", "old_root", "new_size", "new_root", "proof": [...]}, ...],
        "tree": {"leaves": [...], "sizes": [...]},   # optional
    }
    answer = {
        "checkpoints": [{"ok", "error", "origin", "size", "root", "extensions"}, ...],
        "inclusion": [{"ok", "error"}, ...],
        "consistency": [{"ok", "error"}, ...],
        "tree": {"roots": {"<size>": "<base64 root>", ...}},   # only when the payload had "tree"
    }

Every key of the payload is optional ("vkey" is needed only with checkpoints); unknown
keys are refused. Answers come in the order of the payload's lists.

Semantics, all of them x/mod's:
- checkpoint: note.NewVerifier(vkey) + note.Open(text, VerifierList(v)) (signatures by
  other keys are ignored; a bad signature by this key fails), then the C2SP
  tlog-checkpoint body: at least three non-empty lines, origin, decimal size without
  leading zeroes, canonical base64 of a 32-byte root, then extension lines; the origin
  must equal the key name. origin/size/root are null when not reached; extensions is []
  then. Unverified content is never returned.
- inclusion: tlog.CheckRecord(proof, tree_size, root, index, tlog.RecordHash(leaf_data)).
- consistency: tlog.CheckTree(proof, new_size, new_root, old_size, old_root). It refuses
  old_size == 0 ("tlog: invalid inputs in CheckTree") and old_size > new_size; for
  old_size == new_size it accepts only an empty proof with old_root == new_root.
- tree: leaves stored with tlog.StoredHashes, roots read with tlog.TreeHash. NOTE: for
  size 0 tlog.TreeHash returns 32 zero bytes, not RFC 6962's SHA-256("").
- A hash of the wrong length is a failed check (ok false), not malformed input.

`check` raises `MalformedPayload` when the program exits 2 (bad JSON shape, bad base64,
a tree size outside 0..len(leaves)).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "tlogcheck"
MAIN_GO = SOURCE_DIR / "main.go"

# Debian's golang-golang-x-mod-dev puts x/mod here; GOPATH mode, no network.
DEFAULT_GOPATH = "/usr/share/gocode"
BUILD_TIMEOUT = 300
RUN_TIMEOUT = 120


class MalformedPayload(ValueError):
    """The Go checker refused the payload as malformed (exit status 2)."""


class BuildError(RuntimeError):
    """The Go checker could not be built."""


def _gopath() -> str:
    return os.environ.get("TLOGCHECK_GOPATH", DEFAULT_GOPATH)


def _go_env(cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=_gopath(),
        GOCACHE=str(cache_dir / "gocache"),
        GOFLAGS="",
        GOPROXY="off",
        GOTOOLCHAIN="local",
        CGO_ENABLED="0",
    )
    return env


def _go() -> str | None:
    return shutil.which("go")


@functools.lru_cache(maxsize=None)
def _binary() -> Path:
    """Build the checker once per process, in a temp dir keyed by main.go and the Go version."""
    go = _go()
    if go is None:
        raise BuildError("`go` is not on PATH (Debian: apt-get install golang-go)")
    xmod = Path(_gopath()) / "src/golang.org/x/mod/sumdb"
    if not (xmod / "note").is_dir() or not (xmod / "tlog").is_dir():
        raise BuildError(f"golang.org/x/mod/sumdb not found under {xmod} "
                         "(Debian: apt-get install golang-golang-x-mod-dev)")
    version = subprocess.run([go, "version"], capture_output=True, text=True, timeout=60).stdout
    key = hashlib.sha256(MAIN_GO.read_bytes() + b"\0" + version.encode() + b"\0" + _gopath().encode())
    cache_dir = Path(tempfile.gettempdir()) / f"irm-review-tlogcheck-{key.hexdigest()[:16]}"
    exe = cache_dir / "tlogcheck"
    if exe.is_file() and os.access(exe, os.X_OK):
        return exe
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Build to a private name, then rename: concurrent test processes never see half a binary.
    tmp = cache_dir / f"tlogcheck.{os.getpid()}.tmp"
    proc = subprocess.run(
        [go, "build", "-o", str(tmp), "."],
        cwd=SOURCE_DIR,
        env=_go_env(cache_dir),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"go build failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    os.replace(tmp, exe)
    return exe


@functools.lru_cache(maxsize=None)
def available() -> str | None:
    """None if the Go checker builds and runs; otherwise why not."""
    try:
        answer = check({})
    except (BuildError, MalformedPayload, OSError, subprocess.SubprocessError, ValueError) as exc:
        return f"Go reference checker unavailable: {exc}"
    if answer != {"checkpoints": [], "inclusion": [], "consistency": []}:
        return f"Go reference checker answered {answer!r} to an empty payload"
    return None


def check(payload: dict) -> dict:
    """Run the Go checker on `payload`; return its parsed answer."""
    exe = _binary()
    proc = subprocess.run(
        [str(exe)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=RUN_TIMEOUT,
    )
    if proc.returncode == 2:
        raise MalformedPayload(proc.stderr.decode(errors="replace").strip())
    if proc.returncode != 0:
        raise RuntimeError(f"tlogcheck exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return json.loads(proc.stdout)


# ---- payload pieces ----

def b64(data: bytes) -> str:
    """Standard, padded base64 of `data`."""
    return base64.b64encode(bytes(data)).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def inclusion(leaf_data: bytes, index: int, tree_size: int, root: bytes,
              proof: Iterable[bytes]) -> dict:
    return {"leaf_data": b64(leaf_data), "index": index, "tree_size": tree_size,
            "root": b64(root), "proof": [b64(p) for p in proof]}


def consistency(old_size: int, old_root: bytes, new_size: int, new_root: bytes,
                proof: Iterable[bytes]) -> dict:
    return {"old_size": old_size, "old_root": b64(old_root), "new_size": new_size,
            "new_root": b64(new_root), "proof": [b64(p) for p in proof]}


def tree(leaves: Iterable[bytes], sizes: Iterable[int]) -> dict:
    return {"leaves": [b64(leaf) for leaf in leaves], "sizes": list(sizes)}


def tree_roots(answer: dict) -> dict[int, bytes]:
    """The answer's tree roots as {size: root bytes}."""
    return {int(size): unb64(root) for size, root in answer["tree"]["roots"].items()}
