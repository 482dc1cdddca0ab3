"""Development and test tooling: the process stack, the embedded database, the local broker,
free ports and the sample data. Imported by cli/ (make dev, make demo), tests/ and bench/;
never by a service."""
