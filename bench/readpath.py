"""The public read path: the findings list and a finding's page, through the gateway and
directly on the publication service, at 10 and 50 connections, with and without
If-None-Match (only where the service answers 304: otherwise that is reported, not faked)."""
import requests

LIST_PATH = "/api/v1/findings"
NOT_IMPLEMENTED_ISSUE_5 = ("Atom feed of findings", "open-data CSV of findings")


def finding_paths(base_url, limit=100):
    answer = requests.get(f"{base_url}{LIST_PATH}?per_page={min(limit, 100)}", timeout=30)
    answer.raise_for_status()
    return [item["url"] for item in answer.json()["items"]]


def probe_conditional(base_url, path):
    """Does `path` give an ETag, and does If-None-Match with it give 304?"""
    first = requests.get(base_url + path, timeout=30)
    etag = first.headers.get("ETag")
    result = {"status": first.status_code, "etag": etag, "status_with_if_none_match": None, "supported": False}
    if etag:
        second = requests.get(base_url + path, headers={"If-None-Match": etag}, timeout=30)
        result["status_with_if_none_match"] = second.status_code
        result["supported"] = second.status_code == 304
    if not result["supported"]:
        result["note"] = ("not implemented: no ETag in the answer" if not etag
                          else f"not implemented: If-None-Match answered {result['status_with_if_none_match']}, not 304")
    return result


def etags_for(base_url, paths):
    return {path: requests.get(base_url + path, timeout=30).headers.get("ETag") for path in paths}
