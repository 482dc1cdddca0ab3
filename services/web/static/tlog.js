// The transparency log's and the audit trail's rules, for the browser, from their specifications:
// RFC 9162 (Merkle tree hashing, inclusion and consistency proof verification, sections 2.1.3.2
// and 2.1.4.2), C2SP signed-note and tlog-checkpoint (Ed25519 through WebCrypto), and
// shared/audit.py (canonical JSON, entry hashes, the chain, sealed content). No third-party code.
// The Python rules (shared/transparency/, shared/audit.py) and Go's x/mod checker run on the same
// vectors (tests/browser/vectors.py); tests/browser/test_verifier.py runs these in Chromium.
// Tree indexes and sizes are BigInt: bit operations on Numbers stop at 2**31.

const encoder = new TextEncoder();
export const GENESIS = "0".repeat(64);
const HASH_DOMAIN = encoder.encode("irm-audit-entry-v1\n");
const HASHED_FIELDS = ["case_id", "seq", "prev_hash", "occurred_at", "service", "action", "actor", "reason", "data", "correlation_id"];
const SIGNATURE_DASH = "\u2014";
const ALGORITHM_ED25519 = 1;

// --- bytes ---------------------------------------------------------------------------------
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
export function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
export function fromBase64(text) {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) throw new Error("not base64");
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
export function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

// --- RFC 9162 Merkle trees -------------------------------------------------------------------
export const leafHash = (data) => sha256(concat(new Uint8Array([0]), data));
export const nodeHash = (left, right) => sha256(concat(new Uint8Array([1]), left, right));

// MTH(D[n]) of leaf data (RFC 9162 2.1.1): split at the largest power of two below n.
export async function treeHash(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array());
  if (leaves.length === 1) return leafHash(leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await treeHash(leaves.slice(0, k)), await treeHash(leaves.slice(k)));
}

// RFC 9162 2.1.3.2: does `proof` show leaf hash `leaf` at `index` in the tree of `size` with `root`?
export async function verifyInclusion(leaf, index, size, proof, root) {
  index = BigInt(index); size = BigInt(size);
  if (index < 0n || index >= size) return false;
  let fn = index, sn = size - 1n, r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// RFC 9162 2.1.4.2: does `proof` show the tree (oldSize, oldRoot) is a prefix of (newSize, newRoot)?
export async function verifyConsistency(oldSize, oldRoot, newSize, newRoot, proof) {
  oldSize = BigInt(oldSize); newSize = BigInt(newSize);
  if (oldSize <= 0n || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equal(oldRoot, newRoot);
  if (proof.length === 0) return false;
  const path = [...proof];
  if ((oldSize & (oldSize - 1n)) === 0n) path.unshift(oldRoot); // a power of two: the old root is a node
  let fn = oldSize - 1n, sn = newSize - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(fr, oldRoot) && equal(sr, newRoot);
}

// --- C2SP signed notes and checkpoints --------------------------------------------------------
export class NoteError extends Error {}

function checkName(name) {
  if (!name || /\s/.test(name) || name.includes("+")) throw new NoteError("a key name is non-empty, with no spaces and no '+'");
}

export async function keyId(name, publicKey) {
  return (await sha256(concat(encoder.encode(name + "\n"), new Uint8Array([ALGORITHM_ED25519]), publicKey))).slice(0, 4);
}

// "<name>+<8 hex key id>+<base64(0x01 || public key)>" -> {name, keyId, publicKey}
export async function parseVerifierKey(text) {
  const trimmed = text.trim();
  const first = trimmed.indexOf("+"), second = trimmed.indexOf("+", first + 1);
  if (first < 0 || second < 0) throw new NoteError("a verifier key is name+keyid+base64key");
  const name = trimmed.slice(0, first), hexId = trimmed.slice(first + 1, second);
  checkName(name);
  let raw;
  try { raw = fromBase64(trimmed.slice(second + 1)); } catch { throw new NoteError("not base64"); }
  if (raw.length !== 33 || raw[0] !== ALGORITHM_ED25519) throw new NoteError("only Ed25519 verifier keys are supported");
  const publicKey = raw.slice(1);
  const id = await keyId(name, publicKey);
  if (toHex(id) !== hexId.toLowerCase()) throw new NoteError("the key id does not match the key");
  return { name, keyId: id, publicKey };
}

function checkText(text) {
  if (!text.endsWith("\n")) throw new NoteError("a note's text ends with a newline");
  if (text.includes("\n\n")) throw new NoteError("a note's text has no blank line");
  if ([...text].some((c) => c.charCodeAt(0) < 0x20 && c !== "\n")) throw new NoteError("a note's text has no control characters");
}

export async function ed25519Verify(publicKey, signature, message) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
}

// The note's text if `key` signed it; NoteError otherwise. Other signers' lines are ignored.
export async function openNote(note, key) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new NoteError("a signed note has a blank line before its signatures");
  const text = note.slice(0, split + 1), signatures = note.slice(split + 2);
  checkText(text);
  if (!signatures.endsWith("\n")) throw new NoteError("a signed note ends with a newline");
  for (const line of signatures.slice(0, -1).split("\n")) {
    const parts = line.split(" ");
    if (parts.length !== 3 || parts[0] !== SIGNATURE_DASH) throw new NoteError("malformed signature line");
    let raw;
    try { raw = fromBase64(parts[2]); } catch { throw new NoteError("not base64"); }
    if (parts[1] !== key.name || !equal(raw.slice(0, 4), key.keyId)) continue;
    if (raw.length === 68 && await ed25519Verify(key.publicKey, raw.slice(4), encoder.encode(text))) return text;
    throw new NoteError(`the signature by ${parts[1]} does not verify: the note was altered or forged`);
  }
  throw new NoteError(`the note carries no signature by ${key.name}`);
}

export function parseCheckpoint(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") throw new NoteError("a checkpoint has an origin, a size and a root hash, one per line");
  const [origin, size, rootText, ...extensions] = lines.slice(0, -1);
  if (!origin) throw new NoteError("a checkpoint's origin is not empty");
  if (!/^(0|[1-9][0-9]*)$/.test(size)) throw new NoteError("a checkpoint's tree size is a decimal number");
  let root;
  try { root = fromBase64(rootText); } catch { throw new NoteError("not base64"); }
  if (root.length !== 32) throw new NoteError("a checkpoint's root hash is 32 bytes");
  return { origin, size: BigInt(size), root, extensions };
}

export async function openCheckpoint(note, key) {
  const checkpoint = parseCheckpoint(await openNote(note, key));
  if (checkpoint.origin !== key.name) throw new NoteError("the checkpoint's origin is not the key's name");
  return checkpoint;
}

// --- the audit trail (shared/audit.py) ---------------------------------------------------------
// Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False): keys in code
// point order (JavaScript's default sort compares UTF-16 units, which differs past U+FFFF),
// strings escaped as JSON.stringify does (the same escapes), integers only.
function byCodePoint(a, b) {
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError("floats have no canonical form; numbers are integers");
    return String(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (typeof value === "object") {
    return "{" + Object.keys(value).sort(byCodePoint).map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
  }
  throw new TypeError("no canonical form for " + typeof value);
}
const canonicalBytes = (value) => encoder.encode(canonicalJson(value));

function hashedBody(entry) {
  return Object.fromEntries(HASHED_FIELDS.map((name) => [name, entry[name] === undefined ? null : entry[name]]));
}
export async function entryHash(entry) {
  return toHex(await sha256(concat(HASH_DOMAIN, canonicalBytes(hashedBody(entry)))));
}
export function logLeaf(entry) {
  return canonicalBytes({ ...hashedBody(entry), hash: entry.hash === undefined ? null : entry.hash });
}
export async function fingerprint(value) {
  return toHex(await sha256(canonicalBytes(value)));
}
export async function sealedMatches(entry, sealed) {
  const expected = (entry.data || {}).sealed_sha256;
  if (expected === undefined || expected === null || sealed === null || typeof sealed !== "object" || Array.isArray(sealed)) return false;
  if (!("salt" in sealed) || !("content" in sealed)) return false;
  return (await fingerprint({ salt: sealed.salt, content: sealed.content })) === expected;
}

// shared/audit.py verify_chain: the same problems, in the same order.
export async function verifyChain(entries, expectedHead = null) {
  const problems = [];
  let previousHash = GENESIS;
  for (const [position, entry] of entries.entries()) {
    const seq = entry.seq === undefined ? null : entry.seq;
    if (seq !== position) problems.push({ position, seq, problem: `expected seq ${position}: an entry is missing or out of order` });
    if (entry.prev_hash !== previousHash) problems.push({ position, seq, problem: "prev_hash does not match the previous entry's hash" });
    if ((await entryHash(entry)) !== entry.hash) problems.push({ position, seq, problem: "content does not match its hash: the entry was altered" });
    previousHash = entry.hash;
  }
  if (expectedHead !== null) {
    const present = new Map(entries.map((e) => [e.seq, e.hash]));
    if (present.get(expectedHead.seq) !== expectedHead.hash) {
      problems.push({ position: null, seq: expectedHead.seq, problem: "the recorded head is not in the chain: entries were removed or replaced" });
    }
  }
  const head = entries.length ? entries[entries.length - 1].hash : GENESIS;
  return { valid: problems.length === 0, entries: entries.length, head, problems };
}

// --- the checkpoints this browser saw ---------------------------------------------------------
// What a new verified checkpoint means next to the largest one seen before from the same log:
// "first", "same", "rollback" (smaller than one seen), "fork" (same size, other root), or
// "grew" (larger: a consistency proof from the seen one must then verify).
export function compareWithSeen(seen, checkpoint) {
  if (!seen) return { status: "first" };
  const seenSize = BigInt(seen.size);
  if (checkpoint.size < seenSize) return { status: "rollback", from: seen };
  if (checkpoint.size === seenSize) return { status: equal(fromBase64(seen.root), checkpoint.root) ? "same" : "fork", from: seen };
  return { status: "grew", from: seen };
}

const STORE_KEY = "irm-review.checkpoints.v1";
export function seenCheckpoint(storage, origin) {
  const all = JSON.parse(storage.getItem(STORE_KEY) || "{}");
  return all[origin] || null;
}
export function rememberCheckpoint(storage, checkpoint) {
  const all = JSON.parse(storage.getItem(STORE_KEY) || "{}");
  all[checkpoint.origin] = { size: checkpoint.size.toString(), root: toBase64(checkpoint.root) };
  storage.setItem(STORE_KEY, JSON.stringify(all));
}

// The memory step, as both pages take it: a checkpoint whose signature verified, next to the
// largest one this browser saw from the same log. "first" and "same" pass; a larger one passes
// only if `consistency(fromSize, toSize)` (the log's proof hashes, or null when it cannot be
// fetched) proves the seen tree is its prefix ("grew_ok"; else "grew_bad" or "grew_unchecked");
// a smaller one is a "rollback", another root at the same size a "fork". Only a checkpoint
// consistent with what was seen is remembered, so one bad answer never replaces the good memory.
export async function reconcile(storage, checkpoint, consistency) {
  const seen = seenCheckpoint(storage, checkpoint.origin);
  let { status } = compareWithSeen(seen, checkpoint);
  if (status === "grew") {
    const proof = await consistency(BigInt(seen.size), checkpoint.size);
    if (proof === null) status = "grew_unchecked";
    else status = (await verifyConsistency(BigInt(seen.size), fromBase64(seen.root), checkpoint.size, checkpoint.root, proof))
      ? "grew_ok" : "grew_bad";
  }
  if (status === "first" || status === "grew_ok") rememberCheckpoint(storage, checkpoint);
  return { status, ok: ["first", "same", "grew_ok"].includes(status), old: seen ? BigInt(seen.size) : 0n, new: checkpoint.size };
}

// The log's consistency proof from one size to another, fetched from this site's own API:
// its hashes as bytes, or null when it cannot be had (network, status, malformed answer).
export async function fetchConsistency(fromSize, toSize) {
  try {
    const response = await fetch(`/api/v1/log/proofs/consistency?from=${fromSize}&to=${toSize}`, { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    return (await response.json()).hashes.map(fromBase64);
  } catch {
    return null;
  }
}
