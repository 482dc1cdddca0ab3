"""pytest plugin: run publication's tests against the prototype fix (bench/list_fix_service.py).

    .venv/bin/python -m pytest -p bench.list_fix_plugin tests/integration/test_publication.py

After collection (so after tests/conftest.py has monkey-patched eventlet and the test modules
have imported the service), importing bench.list_fix_service applies its inclusion
projection and shared query schema, and publication's Freshness is swapped for
CachedFreshness before any container is made. Nothing under services/ is edited.
"""


def pytest_collection_modifyitems(session, config, items):
    from bench import list_fix_service
    from services.publication import service as publication

    publication.PublicationService.freshness = list_fix_service.CachedFreshness()
    print(f"\nbench.list_fix_plugin: publication runs with {type(publication.PublicationService.freshness).__name__}, "
          f"LIST_PROJECTION={sorted(publication.LIST_PROJECTION)}")
