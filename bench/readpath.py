"""The public read path: the findings list and a finding, as JSON (through the gateway and
directly on the publication service) and as web pages (through the gateway and directly on
the web service), at 10 and 50 connections, with and without If-None-Match (only where the
service answers 304: otherwise that is reported, not faked); and the Atom feed and
open-data CSV (issue 5) where they exist."""
import requests

LIST_PATH = "/api/v1/findings"
LIST_PAGE_PATH = "/fr/findings"  # the pages in French: accents and locale formatting on the measured path
# (label, path): measured through the gateway when they answer 200, else "not implemented (issue 5)".
EXTRAS = (("Atom feed", "/api/v1/feeds/findings.atom"), ("open-data CSV", "/api/v1/open-data/commitments.csv"))


def finding_paths(base_url, limit=100, max_pages=20):
    """Pages of published findings, following the list's `next` links (whatever the paging scheme)."""
    paths, url = [], LIST_PATH
    for _ in range(max_pages):
        answer = requests.get(base_url + url, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        paths += [item["url"] for item in body["items"]]
        url = body.get("next")
        if not url or len(paths) >= limit:
            break
    return paths[:limit]


def page_paths(finding_paths):
    """The web page of each finding whose JSON is at `finding_paths` (/api/v1/findings/<id>)."""
    return ["/fr/findings/" + path.rstrip("/").rsplit("/", 1)[-1] for path in finding_paths]


def probe(base_url, path):
    """The plain answer's status and size, whether it has an ETag, and whether If-None-Match gives 304."""
    first = requests.get(base_url + path, timeout=30)
    etag = first.headers.get("ETag")
    result = {"path": path, "status": first.status_code, "bytes": len(first.content), "etag": etag,
              "status_with_if_none_match": None, "supported": False}
    if first.status_code == 200 and etag:
        second = requests.get(base_url + path, headers={"If-None-Match": etag}, timeout=30)
        result["status_with_if_none_match"] = second.status_code
        result["supported"] = second.status_code == 304
    if not result["supported"]:
        result["note"] = ("not implemented: no ETag in the answer" if not etag
                          else f"not implemented: If-None-Match answered {result['status_with_if_none_match']}, not 304")
    return result


def etags_for(base_url, paths):
    return {path: requests.get(base_url + path, timeout=30).headers.get("ETag") for path in paths}
