"""irm follow: print each finding as it is published, from the public live feed (pika).

    irm follow --member TN --amqp amqp://irm-public:irm-public@broker.example.org/

The follower has its own durable queue on the broker (`public.<name>`), bound to the public
exchange for the findings it wants. While it is stopped, the queue keeps what is published
(up to a week, see the broker policy), so after a restart it prints what it missed, in
order, then goes on live: no gaps. A message is acknowledged only after it is printed and
noted in the state file, and a message seen twice (delivery is at least once) is printed once.
"""
import argparse
import hashlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

import pika

from shared import settings
from shared.contracts.public import KINDS, PUBLIC_EXCHANGE, PublicFindingMessage
from shared.topology import PUBLIC_QUEUE_PREFIX

DEFAULT_AMQP = settings.env("IRM_PUBLIC_AMQP")
REMEMBERED = 5000  # message ids kept to drop redeliveries


def binding_keys(member: str | None, kinds) -> list:
    return [f"finding.{kind}.{member or '*'}" for kind in kinds]


def default_name(member: str | None) -> str:
    who = f"{socket.gethostname()}|{os.environ.get('USER', '')}|{Path.cwd()}"
    return f"follow-{(member or 'all').lower()}-{hashlib.sha256(who.encode()).hexdigest()[:8]}"


def render(message: dict, base_url: str) -> str:
    names = message["member"]["names"]
    name = names.get("en") or names.get("fr") or names.get("ar") or message["member"]["code"]
    line = (f"{message['published_at']}  {message['kind']:<9}  {message['member']['code']:<8} {name}: action plan "
            f"{message['plan_number']} ({message['cycle']}), version {message['version']}  {base_url}{message['url']}")
    if message["kind"] == "withdrawn" and message.get("reason"):
        line += f"\n    reason: {message['reason']}"
    return line


class State:
    """Message ids already printed, so a redelivery is not printed twice."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.seen = json.loads(path.read_text())["seen"]
        except (FileNotFoundError, KeyError, ValueError):
            self.seen = []
        self._set = set(self.seen)

    def __contains__(self, message_id) -> bool:
        return message_id in self._set

    def add(self, message_id) -> None:
        self.seen.append(message_id)
        self._set.add(message_id)
        if len(self.seen) > REMEMBERED:
            dropped, self.seen = self.seen[:-REMEMBERED], self.seen[-REMEMBERED:]
            self._set.difference_update(dropped)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seen": self.seen}))
        tmp.replace(self.path)


def follow(amqp_url, queue, keys, state, out, *, base_url="", as_json=False, max_messages=None, idle_timeout=None) -> int:
    """Consume until stopped, `max_messages` printed, or `idle_timeout` seconds without a message."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True)
    for key in keys:
        channel.queue_bind(queue=queue, exchange=PUBLIC_EXCHANGE, routing_key=key)
    channel.basic_qos(prefetch_count=20)
    printed = 0
    try:
        for method, properties, body in channel.consume(queue, inactivity_timeout=idle_timeout):
            if method is None:  # idle for idle_timeout seconds
                break
            try:
                message = json.loads(body)
                errors = PublicFindingMessage().validate(message)
            except ValueError:
                message, errors = None, {"body": ["not JSON"]}
            if errors:
                print(f"irm follow: skipped a malformed message: {errors}", file=sys.stderr)
            elif message["message_id"] not in state:
                out.write((json.dumps(message, ensure_ascii=False) if as_json else render(message, base_url)) + "\n")
                out.flush()
                state.add(message["message_id"])
                printed += 1
            channel.basic_ack(method.delivery_tag)
            if max_messages and printed >= max_messages:
                break
    finally:
        try:
            channel.cancel()
            connection.close()
        except Exception:
            pass
    return printed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="irm follow", description=__doc__.split("\n\n")[0])
    parser.add_argument("--member", help="only this member's findings (e.g. TN, MA-BMK)")
    parser.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable; default all)")
    parser.add_argument("--amqp", default=DEFAULT_AMQP, help="the public broker URL (read-only account)")
    parser.add_argument("--name", help="this follower's queue name, after 'public.' (default: from host, user and folder)")
    parser.add_argument("--state", type=Path, help="where printed message ids are kept (default ~/.irm-follow/<name>.json)")
    parser.add_argument("--base-url", default=settings.env("IRM_URL"), help="prefix for the links printed")
    parser.add_argument("--json", action="store_true", help="print each message as one JSON line")
    parser.add_argument("--max", type=int, help="stop after printing this many")
    parser.add_argument("--idle-timeout", type=float, help="stop after this many seconds without a message")
    args = parser.parse_args(argv)
    name = args.name or default_name(args.member)
    queue = PUBLIC_QUEUE_PREFIX + name
    state = State(args.state or Path.home() / ".irm-follow" / f"{name}.json")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        follow(args.amqp, queue, binding_keys(args.member, args.kind or KINDS), state, sys.stdout, base_url=args.base_url,
               as_json=args.json, max_messages=args.max, idle_timeout=args.idle_timeout)
    except KeyboardInterrupt:
        return 0
    except pika.exceptions.AMQPError as exc:
        print(f"irm follow: the broker refused or dropped us: {exc!r}", file=sys.stderr)
        return 2
    return 0
