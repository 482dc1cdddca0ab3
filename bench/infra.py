"""What the benchmark runs on: a throwaway RabbitMQ vhost and a SecantusDB, or the
AMQP_URI / MONGODB_URI from the environment (with a fresh database name)."""
import os
import shutil
import subprocess
import uuid
from urllib.parse import quote, urlparse

from devtools.embedded_mongo import EmbeddedMongo
from devtools.rabbitmq import DEFAULT_AMQP_URI, ensure_rabbitmq


def with_database(base_uri: str, db_name: str) -> str:
    """`base_uri` with its database replaced by `db_name`, query string kept."""
    prefix, _, query = base_uri.partition("?")
    scheme, _, rest = prefix.partition("://")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{db_name}" + (f"?{query}" if query else "")


class Infrastructure:
    """Start what is missing; `close()` undoes exactly what was started here."""

    def __init__(self, workdir, run_tag, say=print):
        self.workdir = workdir
        self.run_tag = run_tag
        self.say = say
        self.vhost = None
        self.mongo = None
        self.amqp_uri = None
        self.mongo_base = None  # a URI whose database part is replaced per use
        self.amqp_source = self.mongo_source = None
        self.local_broker = False

    def open(self):
        if os.environ.get("AMQP_URI"):
            self.amqp_uri = os.environ["AMQP_URI"]
            self.amqp_source = "AMQP_URI from the environment"
        else:
            ensure_rabbitmq(DEFAULT_AMQP_URI)
            self.local_broker = True
            if shutil.which("rabbitmqctl"):
                self.vhost = f"irm-bench-{self.run_tag}"
                _ctl("add_vhost", self.vhost)
                _ctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
                self.amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{quote(self.vhost, safe='')}"
                self.amqp_source = f"local broker, throwaway vhost {self.vhost}"
            else:
                self.amqp_uri = DEFAULT_AMQP_URI
                self.amqp_source = "local broker, default vhost (no rabbitmqctl)"
        if os.environ.get("MONGODB_URI"):
            self.mongo_base = os.environ["MONGODB_URI"]
            self.mongo_source = "MONGODB_URI from the environment (fresh database names)"
        else:
            data = os.path.join(self.workdir, "secantusdb")
            self.mongo = EmbeddedMongo(data, log_path=os.path.join(self.workdir, "secantusdb.log")).start()
            self.mongo_base = self.mongo.uri("irm")  # retryWrites=false: SecantusDB slows ~10x without
            self.mongo_source = f"embedded SecantusDB on 127.0.0.1:{self.mongo.port} (data in a temporary directory)"
        host = urlparse(self.amqp_uri).hostname or ""
        self.local_broker = self.local_broker or host in ("127.0.0.1", "localhost")
        return self

    def queued_messages(self):
        """{queue: messages ready or being handled} in the bench's own vhost; None when that cannot be known
        (a broker given by AMQP_URI)."""
        if self.vhost is None:
            return None
        result = subprocess.run(["rabbitmqctl", "list_queues", "-p", self.vhost, "-q", "--no-table-headers", "name", "messages"],
                                capture_output=True, timeout=120, check=True)
        rows = (line.rsplit(None, 1) for line in result.stdout.decode().splitlines() if line.strip())
        return {name: int(count) for name, count in rows}

    def mongodb_uri(self, purpose: str) -> str:
        return with_database(self.mongo_base, f"irm_bench_{purpose}_{self.run_tag}")

    def close(self):
        errors = []
        if self.mongo is not None:
            try:
                self.mongo.stop()
            except Exception as exc:  # keep going: the vhost must go too
                errors.append(f"SecantusDB stop: {exc}")
            self.mongo = None
        if self.vhost is not None:
            result = subprocess.run(["rabbitmqctl", "delete_vhost", self.vhost], capture_output=True, timeout=120)
            if result.returncode != 0:
                errors.append(f"delete_vhost {self.vhost}: {result.stderr.decode(errors='replace')[:300]}")
            self.vhost = None
        return errors


def drop_databases(mongodb_uris):
    """With an external MONGODB_URI, remove the databases this run created."""
    import pymongo

    for uri in mongodb_uris:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        try:
            client.drop_database(client.get_default_database().name)
        finally:
            client.close()


def _ctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def new_tag() -> str:
    return uuid.uuid4().hex[:8]
