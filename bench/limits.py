"""The machine's own limits, measured in the same run as the product's figures.

- RabbitMQ through raw pika: persistent 2 KB messages to a durable queue, published with
  a confirm per message (BlockingChannel: each basic_publish waits for its confirm, as the
  services' publisher does) and with confirms batched 100 at a time (SelectConnection:
  publish 100, wait until all 100 are confirmed, repeat); then consumed with prefetch 100
  and one ack per message.
- the database through raw pymongo: insert_one of a ~2 KB document, and a transaction
  inserting two ~2 KB documents (read concern snapshot, write concern majority, as the
  services' unit of work), one client, sequentially; the transaction also with 4 threads.
- a trivial nameko @http endpoint (bench/trivial_service.py) in its own process.
"""
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pika
import pymongo
import requests
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from devtools.ports import free_port
from devtools.processes import stop_process
from devtools.stack import ROOT

BODY_2KB = (b'{"event_type":"bench.raw","payload":"' + b"x" * 1990 + b'"}')[:2048]


def _props():
    return pika.BasicProperties(delivery_mode=2, content_type="application/json")


def pika_publish_confirm_each(amqp_uri, queue, count):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.queue_declare(queue, durable=True)
        channel.confirm_delivery()
        started = time.perf_counter()
        for _ in range(count):
            channel.basic_publish("", queue, BODY_2KB, _props(), mandatory=True)  # raises if nacked/unroutable
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    return {"messages": count, "seconds": round(elapsed, 3), "rate": count / elapsed}


def pika_publish_confirm_batched(amqp_uri, queue, count, batch=100, timeout=120):
    """SelectConnection: publish `batch`, wait for all of their confirms, repeat."""
    state = {"sent": 0, "confirmed": 0, "nacked": 0, "outstanding": 0, "started": None, "ended": None, "error": None}
    holder = {}

    def publish_batch():
        channel = holder["channel"]
        size = min(batch, count - state["sent"])
        for _ in range(size):
            channel.basic_publish("", queue, BODY_2KB, _props())
        state["sent"] += size
        state["outstanding"] = size

    def on_confirm(frame):
        method = frame.method
        tag = method.delivery_tag
        done_now = (tag - state["confirmed"]) if method.multiple else 1
        if isinstance(method, pika.spec.Basic.Nack):
            state["nacked"] += done_now
        state["confirmed"] = tag if method.multiple else state["confirmed"] + 1
        state["outstanding"] -= done_now
        if state["outstanding"] <= 0:
            if state["sent"] < count:
                publish_batch()
            else:
                state["ended"] = time.perf_counter()
                holder["connection"].close()

    def on_declared(_frame):
        state["started"] = time.perf_counter()
        publish_batch()

    def on_channel(channel):
        holder["channel"] = channel
        channel.confirm_delivery(on_confirm)
        channel.queue_declare(queue, durable=True, callback=on_declared)

    def on_open(connection):
        connection.channel(on_open_callback=on_channel)

    def on_open_error(_connection, error):
        state["error"] = str(error)

    def on_closed(connection, _reason):
        connection.ioloop.stop()

    connection = pika.SelectConnection(pika.URLParameters(amqp_uri), on_open_callback=on_open,
                                       on_open_error_callback=on_open_error, on_close_callback=on_closed)
    holder["connection"] = connection
    connection.ioloop.call_later(timeout, lambda: (state.update(error="timed out"), connection.close()))
    connection.ioloop.start()
    if state["error"] or state["ended"] is None:
        raise RuntimeError(f"batched publish failed: {state['error']}")
    elapsed = state["ended"] - state["started"]
    return {"messages": count, "batch": batch, "nacked": state["nacked"], "seconds": round(elapsed, 3), "rate": count / elapsed}


def pika_consume(amqp_uri, queue, count, prefetch=100, timeout=120):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    got = {"n": 0}
    try:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=prefetch)

        def on_message(ch, method, _props, _body):
            ch.basic_ack(method.delivery_tag)
            got["n"] += 1

        channel.basic_consume(queue, on_message)
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        while got["n"] < count and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.5)
        elapsed = time.perf_counter() - started
        channel.queue_delete(queue)
    finally:
        connection.close()
    return {"messages": got["n"], "prefetch": prefetch, "seconds": round(elapsed, 3), "rate": got["n"] / elapsed}


def delete_queue(amqp_uri, queue):
    """Remove the raw test queue whatever happened (a no-op when it is already gone)."""
    try:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    except pika.exceptions.AMQPError:
        return
    try:
        connection.channel().queue_delete(queue)
    except pika.exceptions.AMQPError:
        pass
    finally:
        if connection.is_open:
            connection.close()


def _doc(i, run):
    return {"run": run, "i": i, "kind": "bench", "occurred_at": "2025-01-01T00:00:00.000Z",
            "actor": {"role": "system", "id": "bench"}, "payload": "y" * 1900}  # ~2 KB as BSON


def mongo_insert_one(mongodb_uri, count):
    client = pymongo.MongoClient(mongodb_uri)
    try:
        collection = client.get_default_database()["raw_insert"]
        run = uuid.uuid4().hex
        collection.insert_one(_doc(-1, run))  # create the collection outside the timing
        started = time.perf_counter()
        for i in range(count):
            collection.insert_one(_doc(i, run))
        elapsed = time.perf_counter() - started
    finally:
        client.close()
    return {"operations": count, "seconds": round(elapsed, 3), "rate": count / elapsed}


def mongo_transactions(mongodb_uri, count, threads=1):
    client = pymongo.MongoClient(mongodb_uri, maxPoolSize=max(threads, 10))
    database = client.get_default_database()
    first, second = database["raw_tx_a"], database["raw_tx_b"]
    first.insert_one({"warm": True})  # collections exist before any transaction
    second.insert_one({"warm": True})
    run = uuid.uuid4().hex
    failures = {"n": 0}

    def work(indices):
        for i in indices:
            with client.start_session() as session:
                try:
                    with session.start_transaction(read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")):
                        first.insert_one(_doc(i, run), session=session)
                        second.insert_one(_doc(i, run), session=session)
                except pymongo.errors.PyMongoError:
                    failures["n"] += 1

    try:
        started = time.perf_counter()
        if threads == 1:
            work(range(count))
        else:
            workers = [threading.Thread(target=work, args=(range(k, count, threads),)) for k in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        elapsed = time.perf_counter() - started
    finally:
        client.close()
    done = count - failures["n"]
    return {"transactions": count, "failed": failures["n"], "threads": threads, "seconds": round(elapsed, 3), "rate": done / elapsed}


class TrivialNameko:
    """bench/trivial_service.py under `nameko run`, on a free port."""

    def __init__(self, amqp_uri, workdir, log_path):
        self.port = free_port()
        self.config = Path(workdir) / "trivial-nameko.yaml"
        self.config.write_text(f"AMQP_URI: {amqp_uri}\nWEB_SERVER_ADDRESS: 127.0.0.1:{self.port}\nmax_workers: 10\n")
        self.log_path = log_path
        self.process = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        nameko = str(Path(sys.executable).parent / "nameko")
        log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        self.process = subprocess.Popen([nameko, "run", "--config", str(self.config), "bench.trivial_service"], cwd=ROOT,
                                        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the trivial nameko service exited with {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(self.base_url + "/ping", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("the trivial nameko service did not answer in time")

    def stop(self):
        stop_process(self.process, timeout=3)  # a throwaway: no need to wait for a graceful nameko shutdown
