"""The public transparency log: one append-only Merkle tree over every audit entry.

`merkle` is RFC 6962/9162 (hashes, tree growth, proofs and their verification); `note` is the
C2SP signed-note and tlog-checkpoint formats with Ed25519 keys. Both are plain Python with
no database or broker, so the stand-alone verifier uses exactly the same rules.
"""
