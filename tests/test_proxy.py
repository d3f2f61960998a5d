"""FORUM_PROXY_HOPS: behind a reverse proxy the client's address and scheme come from its headers,
and only then: without it, anyone could claim any address (and dodge the per-address limits)."""

import pytest
from flask import request

from forum import create_app
from tests.conftest import test_config

FORWARDED = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"}


@pytest.fixture
def seen_by(database_url, _schema):
    """`seen_by(hops)`: the (address, scheme) a request with X-Forwarded headers is seen to come from."""
    def seen(hops):
        app = create_app(test_config(database_url, PROXY_HOPS=hops))
        app.add_url_rule("/_where", "where", lambda: f"{request.remote_addr} {request.scheme}")
        return tuple(app.test_client().get("/_where", headers=FORWARDED).text.split())
    return seen


def test_one_trusted_hop_takes_the_address_the_proxy_added(seen_by):
    # The proxy appends the address it saw; what the client sent before it is not believed.
    assert seen_by(1) == ("203.0.113.7", "https")


def test_without_trusted_hops_the_headers_are_ignored(seen_by):
    assert seen_by(0) == ("127.0.0.1", "http")
