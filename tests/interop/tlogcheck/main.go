// Command tlogcheck is an independent checker of RFC 6962 Merkle proofs and
// C2SP signed-note checkpoints for the Python test-suite. It does no
// cryptography of its own: every check is delegated to the Go reference code,
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog.
//
// It reads one JSON object on stdin and writes one JSON object on stdout (see
// tests/interop/tlog_reference.py for the interface). It exits 0 whenever the
// input was well-formed, whatever the verdicts; it exits 2, with
// {"error": "..."} on stdout and the message on stderr, only when the input is
// malformed (bad JSON, an unknown or missing field, bad base64, a tree size
// outside the leaves given).
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ---- input ----

type input struct {
	VKey        *string            `json:"vkey"`
	Checkpoints []string           `json:"checkpoints"`
	Inclusion   []inclusionInput   `json:"inclusion"`
	Consistency []consistencyInput `json:"consistency"`
	Tree        *treeInput         `json:"tree"`
}

type inclusionInput struct {
	LeafData *string  `json:"leaf_data"`
	Index    *int64   `json:"index"`
	TreeSize *int64   `json:"tree_size"`
	Root     *string  `json:"root"`
	Proof    []string `json:"proof"`
}

type consistencyInput struct {
	OldSize *int64   `json:"old_size"`
	OldRoot *string  `json:"old_root"`
	NewSize *int64   `json:"new_size"`
	NewRoot *string  `json:"new_root"`
	Proof   []string `json:"proof"`
}

type treeInput struct {
	Leaves []string `json:"leaves"`
	Sizes  []int64  `json:"sizes"`
}

// ---- output ----

type verdict struct {
	OK    bool    `json:"ok"`
	Error *string `json:"error"`
}

type checkpointOutput struct {
	OK         bool     `json:"ok"`
	Error      *string  `json:"error"`
	Origin     *string  `json:"origin"`
	Size       *int64   `json:"size"`
	Root       *string  `json:"root"`
	Extensions []string `json:"extensions"`
}

type treeOutput struct {
	Roots map[string]string `json:"roots"`
}

type output struct {
	Checkpoints []checkpointOutput `json:"checkpoints"`
	Inclusion   []verdict          `json:"inclusion"`
	Consistency []verdict          `json:"consistency"`
	Tree        *treeOutput        `json:"tree,omitempty"`
}

// malformed is raised (as a panic value) for input that is not well-formed;
// main turns it into exit status 2.
type malformed struct{ msg string }

func fail(format string, args ...interface{}) {
	panic(malformed{fmt.Sprintf(format, args...)})
}

func strp(s string) *string { return &s }

func errp(err error) *string {
	if err == nil {
		return nil
	}
	return strp(err.Error())
}

// decodeB64 decodes standard, padded, canonical base64. Go's decoder skips
// CR and LF; those are refused here so that a value is exactly one encoding.
func decodeB64(what, s string) []byte {
	if strings.ContainsAny(s, "\r\n") {
		fail("%s: base64 contains a newline", what)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		fail("%s: bad base64: %v", what, err)
	}
	return b
}

// hashOf turns decoded bytes into a tlog.Hash; a wrong length is a failed
// check (reported in the verdict), not malformed input.
func hashOf(what string, b []byte) (tlog.Hash, error) {
	var h tlog.Hash
	if len(b) != tlog.HashSize {
		return h, fmt.Errorf("%s: %d bytes, want %d", what, len(b), tlog.HashSize)
	}
	copy(h[:], b)
	return h, nil
}

// guarded runs f, turning a panic inside the reference library into an error
// so that one bad item cannot hide the verdicts on the others.
func guarded(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if m, ok := r.(malformed); ok {
				panic(m)
			}
			err = fmt.Errorf("panic in reference code: %v", r)
		}
	}()
	return f()
}

// ---- checkpoints ----

var decimalRE = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

func checkCheckpoint(verifier note.Verifier, vkeyErr error, text string) (out checkpointOutput) {
	out.Extensions = []string{}
	failWith := func(err error) checkpointOutput {
		out.OK = false
		out.Error = errp(err)
		return out
	}
	if vkeyErr != nil {
		return failWith(vkeyErr)
	}
	var n *note.Note
	err := guarded(func() error {
		var err error
		n, err = note.Open([]byte(text), note.VerifierList(verifier))
		return err
	})
	if err != nil {
		return failWith(fmt.Errorf("note: %v", err))
	}

	// C2SP tlog-checkpoint body: at least three non-empty lines, each ended
	// by a newline (note.Open guarantees that Text ends with one).
	body := n.Text
	if !strings.HasSuffix(body, "\n") {
		return failWith(fmt.Errorf("checkpoint: body does not end with a newline"))
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if len(lines) < 3 {
		return failWith(fmt.Errorf("checkpoint: %d body lines, want at least 3", len(lines)))
	}
	for i, l := range lines {
		if l == "" {
			return failWith(fmt.Errorf("checkpoint: body line %d is empty", i+1))
		}
	}

	origin := lines[0]
	out.Origin = strp(origin)

	if !decimalRE.MatchString(lines[1]) {
		return failWith(fmt.Errorf("checkpoint: tree size %q is not a decimal without leading zeroes", lines[1]))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return failWith(fmt.Errorf("checkpoint: tree size %q: %v", lines[1], err))
	}
	out.Size = &size

	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil {
		return failWith(fmt.Errorf("checkpoint: root hash %q: %v", lines[2], err))
	}
	if len(root) != tlog.HashSize {
		return failWith(fmt.Errorf("checkpoint: root hash is %d bytes, want %d", len(root), tlog.HashSize))
	}
	if base64.StdEncoding.EncodeToString(root) != lines[2] {
		return failWith(fmt.Errorf("checkpoint: root hash %q is not canonical base64", lines[2]))
	}
	out.Root = strp(lines[2])
	out.Extensions = append(out.Extensions, lines[3:]...)

	if origin != verifier.Name() {
		return failWith(fmt.Errorf("checkpoint: origin %q differs from the key name %q", origin, verifier.Name()))
	}
	out.OK = true
	return out
}

// ---- proofs ----

func checkInclusion(i int, in inclusionInput) verdict {
	what := fmt.Sprintf("inclusion[%d]", i)
	if in.LeafData == nil || in.Index == nil || in.TreeSize == nil || in.Root == nil || in.Proof == nil {
		fail("%s: leaf_data, index, tree_size, root and proof are all required", what)
	}
	leaf := decodeB64(what+".leaf_data", *in.LeafData)
	rootBytes := decodeB64(what+".root", *in.Root)
	proofBytes := make([][]byte, len(in.Proof))
	for j, p := range in.Proof {
		proofBytes[j] = decodeB64(fmt.Sprintf("%s.proof[%d]", what, j), p)
	}
	err := guarded(func() error {
		root, err := hashOf("root", rootBytes)
		if err != nil {
			return err
		}
		proof := make(tlog.RecordProof, len(proofBytes))
		for j, b := range proofBytes {
			if proof[j], err = hashOf(fmt.Sprintf("proof[%d]", j), b); err != nil {
				return err
			}
		}
		return tlog.CheckRecord(proof, *in.TreeSize, root, *in.Index, tlog.RecordHash(leaf))
	})
	return verdict{OK: err == nil, Error: errp(err)}
}

func checkConsistency(i int, in consistencyInput) verdict {
	what := fmt.Sprintf("consistency[%d]", i)
	if in.OldSize == nil || in.OldRoot == nil || in.NewSize == nil || in.NewRoot == nil || in.Proof == nil {
		fail("%s: old_size, old_root, new_size, new_root and proof are all required", what)
	}
	oldBytes := decodeB64(what+".old_root", *in.OldRoot)
	newBytes := decodeB64(what+".new_root", *in.NewRoot)
	proofBytes := make([][]byte, len(in.Proof))
	for j, p := range in.Proof {
		proofBytes[j] = decodeB64(fmt.Sprintf("%s.proof[%d]", what, j), p)
	}
	err := guarded(func() error {
		oldRoot, err := hashOf("old_root", oldBytes)
		if err != nil {
			return err
		}
		newRoot, err := hashOf("new_root", newBytes)
		if err != nil {
			return err
		}
		proof := make(tlog.TreeProof, len(proofBytes))
		for j, b := range proofBytes {
			if proof[j], err = hashOf(fmt.Sprintf("proof[%d]", j), b); err != nil {
				return err
			}
		}
		// CheckTree(p, t, th, n, h): t/th are the NEW size and root,
		// n/h the OLD ones.
		return tlog.CheckTree(proof, *in.NewSize, newRoot, *in.OldSize, oldRoot)
	})
	return verdict{OK: err == nil, Error: errp(err)}
}

// ---- tree roots ----

// memStore is an in-memory tlog.HashReader over the stored hashes.
type memStore []tlog.Hash

func (s *memStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*s)) {
			return nil, fmt.Errorf("stored hash %d not present (have %d)", x, len(*s))
		}
		out[i] = (*s)[x]
	}
	return out, nil
}

func treeRoots(in *treeInput) *treeOutput {
	if in.Leaves == nil || in.Sizes == nil {
		fail("tree: leaves and sizes are both required")
	}
	var store memStore
	for i, l := range in.Leaves {
		data := decodeB64(fmt.Sprintf("tree.leaves[%d]", i), l)
		hashes, err := tlog.StoredHashes(int64(i), data, &store)
		if err != nil {
			fail("tree: StoredHashes(%d): %v", i, err)
		}
		store = append(store, hashes...)
	}
	out := &treeOutput{Roots: map[string]string{}}
	for _, size := range in.Sizes {
		if size < 0 || size > int64(len(in.Leaves)) {
			fail("tree: size %d outside 0..%d", size, len(in.Leaves))
		}
		h, err := tlog.TreeHash(size, &store)
		if err != nil {
			fail("tree: TreeHash(%d): %v", size, err)
		}
		out.Roots[strconv.FormatInt(size, 10)] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// ---- main ----

func run(raw []byte) output {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var in input
	if err := dec.Decode(&in); err != nil {
		fail("input: %v", err)
	}
	if dec.More() {
		fail("input: more than one JSON value")
	}

	out := output{
		Checkpoints: []checkpointOutput{},
		Inclusion:   []verdict{},
		Consistency: []verdict{},
	}

	if len(in.Checkpoints) > 0 {
		var verifier note.Verifier
		var vkeyErr error
		if in.VKey == nil {
			vkeyErr = fmt.Errorf("vkey: missing")
		} else if v, err := note.NewVerifier(*in.VKey); err != nil {
			vkeyErr = fmt.Errorf("vkey: %v", err)
		} else {
			verifier = v
		}
		for _, text := range in.Checkpoints {
			out.Checkpoints = append(out.Checkpoints, checkCheckpoint(verifier, vkeyErr, text))
		}
	}
	for i, inc := range in.Inclusion {
		out.Inclusion = append(out.Inclusion, checkInclusion(i, inc))
	}
	for i, c := range in.Consistency {
		out.Consistency = append(out.Consistency, checkConsistency(i, c))
	}
	if in.Tree != nil {
		out.Tree = treeRoots(in.Tree)
	}
	return out
}

func main() {
	raw, err := readAll()
	if err != nil {
		exitMalformed("stdin: " + err.Error())
	}
	var out output
	func() {
		defer func() {
			if r := recover(); r != nil {
				if m, ok := r.(malformed); ok {
					exitMalformed(m.msg)
				}
				panic(r)
			}
		}()
		out = run(raw)
	}()
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck: writing output:", err)
		os.Exit(1)
	}
}

func readAll() ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(os.Stdin)
	return buf.Bytes(), err
}

func exitMalformed(msg string) {
	fmt.Fprintln(os.Stderr, "tlogcheck: malformed input:", msg)
	b, _ := json.Marshal(map[string]string{"error": msg})
	os.Stdout.Write(append(b, '\n'))
	os.Exit(2)
}
