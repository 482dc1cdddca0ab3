"""A small HTTP client for the irm-review API, as the PoC, expert and reviewer use it."""
import time

import requests


class ApiFailure(RuntimeError):
    def __init__(self, response):
        super().__init__(f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:2000]}")
        self.response = response


class Client:
    def __init__(self, base_url: str, token: str | None = None, correlation_id: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if correlation_id:
            self.session.headers["X-Correlation-ID"] = correlation_id

    def request(self, method, path, expect=(200,), **kwargs):
        response = self.session.request(method, self.base_url + path, timeout=30, **kwargs)
        if response.status_code not in expect:
            raise ApiFailure(response)
        return response.json()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def get_text(self, path) -> str:
        response = self.session.get(self.base_url + path, timeout=30)
        if response.status_code != 200:
            raise ApiFailure(response)
        return response.text

    def post(self, path, body, expect=(200, 201), **kwargs):
        return self.request("POST", path, json=body, expect=expect, **kwargs)

    def put(self, path, body, **kwargs):
        return self.request("PUT", path, json=body, **kwargs)

    def wait_for(self, path, condition, timeout=60, interval=0.2, what="condition"):
        """GET `path` until `condition(body)` holds; return that body."""
        deadline = time.monotonic() + timeout
        body = None
        while time.monotonic() < deadline:
            response = self.session.get(self.base_url + path, timeout=30)
            if response.status_code == 200:
                body = response.json()
                if condition(body):
                    return body
            time.sleep(interval)
        raise TimeoutError(f"gave up waiting for {what} at {path}; last answer: {str(body)[:500]}")
