"""RFC 6962 / RFC 9162 Merkle trees: hashes, how the stored tree grows, proofs, verification.

Leaf and node hashes are domain-separated (0x00 and 0x01 prefixes) so a leaf can never be
passed off as an interior node. The tree is kept as the hashes of its *complete* subtrees,
addressed (level, index): node (L, i) covers leaves [i * 2**L, (i + 1) * 2**L). Every hash a
proof or a root needs at any tree size is one of these, or a right fold of a few of them
(RFC 6962 splits a range at the largest power of two below its size, so every range its
recursion visits is a run of aligned complete subtrees, largest first). Storage therefore
never rewrites a node: appending only adds nodes, and an old tree size stays provable.

The functions that build proofs only say *which* stored nodes they need (`*_ranges`,
`subtrees`), so the caller can read them all in one query and then `range_hash` them.
"""
import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 6962: the hash of an empty tree


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n > 1): where RFC 6962 splits a range."""
    return 1 << ((n - 1).bit_length() - 1)


# --- the stored tree ----------------------------------------------------------------------
def subtrees(lo: int, hi: int) -> list:
    """The aligned complete subtrees, largest first, whose right fold is MTH(D[lo:hi])."""
    coords = []
    while lo < hi:
        size = 1 << ((hi - lo).bit_length() - 1)
        if lo % size:
            raise ValueError(f"[{lo}, {hi}) is not a range RFC 6962 ever hashes")
        level = size.bit_length() - 1
        coords.append((level, lo >> level))
        lo += size
    return coords


def fold(hashes: list) -> bytes:
    """Right fold of subtree hashes, largest first: the root of the range they cover."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def range_hash(lo: int, hi: int, stored) -> bytes:
    """MTH(D[lo:hi]) from stored complete-subtree hashes (a mapping (level, index) -> hash)."""
    return fold([stored[coord] for coord in subtrees(lo, hi)])


def root(size: int, stored) -> bytes:
    return range_hash(0, size, stored)


def append(size: int, border: list, new_leaf_hashes: list) -> dict:
    """The nodes to store when `new_leaf_hashes` are appended to a tree of `size` leaves.

    `border` is the hashes of `subtrees(0, size)` in that order. Returns {(level, index): hash}
    for every new leaf and every subtree the new leaves complete.
    """
    stack = [(level, index, digest) for (level, index), digest in zip(subtrees(0, size), border)]
    if len(stack) != len(border):
        raise ValueError("the border does not match the tree size")
    new_nodes = {}
    for offset, digest in enumerate(new_leaf_hashes):
        stack.append((0, size + offset, digest))
        new_nodes[(0, size + offset)] = digest
        while len(stack) >= 2 and stack[-1][0] == stack[-2][0]:
            level, _, right = stack.pop()
            _, left_index, left = stack.pop()
            parent = (level + 1, left_index >> 1, node_hash(left, right))
            stack.append(parent)
            new_nodes[parent[:2]] = parent[2]
    return new_nodes


# --- proofs (RFC 6962 section 2.1.1 PATH and 2.1.2 PROOF) --------------------------------
def inclusion_ranges(index: int, size: int) -> list:
    """The ranges whose hashes make the audit path of leaf `index` in a tree of `size`, leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges, lo, hi = [], 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return ranges[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list:
    """The ranges whose hashes prove the tree of `old_size` is a prefix of the tree of `new_size`."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size}")
    ranges, lo, hi, m, complete = [], 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                ranges.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    return ranges[::-1]


def coords_for(ranges: list) -> set:
    return {coord for lo, hi in ranges for coord in subtrees(lo, hi)}


# --- verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) ---------------------------------
def verify_inclusion(leaf: bytes, index: int, size: int, proof: list, expected_root: bytes) -> bool:
    """True when `proof` shows the leaf hash `leaf` at `index` in the tree of `size` with `expected_root`."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, old_root: bytes, new_size: int, new_root: bytes, proof: list) -> bool:
    """True when `proof` shows the tree (old_size, old_root) is a prefix of (new_size, new_root)."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
