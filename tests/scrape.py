"""Reading a `/metrics` answer in tests: Prometheus's own parser, then one sample by name and labels."""
import requests
from prometheus_client.parser import text_string_to_metric_families


def scrape(base_url: str) -> dict:
    """{(sample name, frozenset(labels)): value} of one scrape."""
    answer = requests.get(f"{base_url}/metrics", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain"), answer.text[:500]
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def value(samples: dict, name: str, default=None, **labels):
    """The sample `name{labels}`, or `default` when the scrape has none (e.g. a counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), default)
