"""Development and test tooling: the process stack, the embedded database, the local broker and SMTP
server, free ports, the sample data, and the development commands (`make dev`: devtools/dev.py,
`make demo`: devtools/demo.py). Imported by tests/ and bench/; never by a service, nor by cli/.

The one direction between the two: devtools stands on cli, never the other way. cli/ is what people
use (irmctl, irm, and the library under them: client.py, operations.py, verify.py, broker.py); the
sample run drives the system through that library as a user would (sample.py), and the stack sets
the broker up with it (stack.py). tests/unit/test_layout.py keeps it so, lazy imports included.
"""
