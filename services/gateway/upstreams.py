"""Where the gateway sends a service's requests: one or more instances, taken in turn.

INTAKE_URL, REVIEW_URL and PUBLICATION_URL each take a comma-separated list; requests go
round-robin over it. A request that cannot even connect to an instance (it is down, or
restarting) goes to the next one: it was never sent, so this never runs it twice. Once a
request has been sent, its failure is the client's 502 to retry, as with one instance: the
gateway cannot know whether a POST it sent took effect.
"""
import itertools
import threading

import urllib3

NOT_SENT = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)


class Upstream:
    def __init__(self, urls):
        self.urls = tuple(url.rstrip("/") for url in urls)
        if not self.urls:
            raise ValueError("a service needs at least one URL")
        self._turn = itertools.count()
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, text: str) -> "Upstream":
        return cls([part.strip() for part in text.split(",") if part.strip()])

    def in_turn(self) -> list:
        """Every instance, starting with the next one's turn."""
        with self._lock:
            start = next(self._turn) % len(self.urls)
        return list(self.urls[start:] + self.urls[:start])

    def request(self, http, method, path, **options):
        """The first instance that takes the connection answers; NOT_SENT from the last one is raised."""
        instances = self.in_turn()
        for index, base in enumerate(instances):
            try:
                return http.request(method, base + path, **options)
            except NOT_SENT:
                if index == len(instances) - 1:
                    raise
        raise AssertionError("unreachable")
