"""The guarded HTTP client against a real local server: SSRF guard, size and time limits, redirects,
retries."""

from __future__ import annotations

import time

import pytest

from harvesters.http import AddressPolicy, GuardedClient, guarded_connection
from harvesters.source import HarvestError
from tests.harvest.conftest import LOCAL, drip, endless, redirect, send, sequence, stall, truncated

PRIVATE = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
           "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
           "::ffff:127.0.0.1", "::ffff:169.254.169.254", "fe80::1%eth0"]


@pytest.mark.parametrize("address", PRIVATE)
def test_private_and_reserved_addresses_are_refused(address):
    with pytest.raises(HarvestError, match="private or reserved"):
        AddressPolicy().check(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    AddressPolicy().check(address)


def test_allowed_networks_admit_only_themselves():
    policy = AddressPolicy(LOCAL)
    policy.check("127.0.0.1")
    with pytest.raises(HarvestError):
        policy.check("127.0.0.2")


def test_loopback_server_is_refused_by_default(server):
    client = GuardedClient()
    with pytest.raises(HarvestError, match=r"127\.0\.0\.1, a private or reserved address"):
        client.get_bytes(server.fixture("w3c-dcat3/examples/basic-example.ttl"))
    with pytest.raises(HarvestError, match="localhost resolves to"):
        client.get_bytes(f"http://localhost:{server.port}/fixtures/w3c-dcat3/examples/basic-example.ttl")
    assert server.hits["/fixtures/w3c-dcat3/examples/basic-example.ttl"] == 0


def test_the_connected_peer_is_checked_too(server):
    """DNS rebinding: even past the name check, a socket connected to a private address is dropped."""
    connection = guarded_connection(AddressPolicy(), tls=False)("127.0.0.1", server.port)
    with pytest.raises(HarvestError, match="private or reserved"):
        connection.connect()
    guarded_connection(AddressPolicy(LOCAL), tls=False)("127.0.0.1", server.port).connect()


def test_allowed_client_fetches_a_fixture(server, local_client, fixtures):
    fetched = local_client.get_bytes(server.fixture("w3c-dcat3/examples/basic-example.ttl"))
    assert fetched.status == 200 and fetched.content_type == "text/turtle"
    assert fetched.data == (fixtures / "w3c-dcat3/examples/basic-example.ttl").read_bytes()


@pytest.mark.parametrize("target", ["http://127.0.0.2:{port}/x", "http://[::1]:{port}/x",
                                    "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:{port}/x"])
def test_every_redirect_hop_is_rechecked(server, local_client, target):
    url = server.route(f"/redirect-{abs(hash(target))}", redirect(target.format(port=server.port)))
    with pytest.raises(HarvestError, match="private or reserved"):
        local_client.get_bytes(url)


def test_redirects_are_followed_and_limited(server, local_client):
    final = server.fixture("w3c-dcat3/examples/basic-example.rdf")
    url = server.route("/moved", redirect("/hop2", 301))
    server.route("/hop2", redirect(final, 307))
    assert local_client.get_bytes(url).url == final
    server.route("/loop-a", redirect("/loop-b"))
    server.route("/loop-b", redirect("/loop-a"))
    with pytest.raises(HarvestError, match="more than 5 redirects"):
        local_client.get_bytes(server.url("/loop-a"))


def test_redirect_to_a_file_is_refused_even_when_files_are_allowed(server, fixtures):
    client = GuardedClient(allow_private=LOCAL, allow_files=True)
    url = server.route("/to-file", redirect((fixtures / "w3c-dcat3/examples/basic-example.ttl").as_uri()))
    with pytest.raises(HarvestError, match="only http"):
        client.get_bytes(url)


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
def test_big_response_is_cut_at_the_limit(server, declare_length):
    url = server.route(f"/big-{declare_length}", endless(declare_length))
    client = GuardedClient(allow_private=LOCAL, max_bytes=3 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(HarvestError, match="exceeds 3145728 bytes"):
        client.get_bytes(url)
    assert time.monotonic() - started < 10


def test_stream_yields_chunks_within_the_limit(server, local_client, fixtures):
    with local_client.stream(server.fixture("w3c-dcat3/vocabulary/dcat3.ttl")) as body:
        chunks = list(body)
    assert len(chunks) > 1
    assert b"".join(chunks) == (fixtures / "w3c-dcat3/vocabulary/dcat3.ttl").read_bytes()


@pytest.mark.parametrize("behaviour", ["stall", "drip"])
def test_slow_servers_hit_the_total_timeout(server, behaviour):
    make = stall if behaviour == "stall" else drip
    url = server.route(f"/{behaviour}", make(server.stopping))
    client = GuardedClient(allow_private=LOCAL, read_timeout=30, total_timeout=1.5, retries=0)
    started = time.monotonic()
    with pytest.raises(HarvestError, match="timed out"):
        client.get_bytes(url)
    assert time.monotonic() - started < 5


def test_truncated_body_is_an_error(server, local_client):
    url = server.route("/truncated", truncated(b"x" * 100_000))
    with pytest.raises(HarvestError):
        local_client.get_bytes(url)


def test_server_errors_are_retried_then_reported(server):
    client = GuardedClient(allow_private=LOCAL, retries=2, backoff=0.01)
    url = server.route("/always-500", send(500, b"boom"))
    with pytest.raises(HarvestError, match=r"HTTP 500"):
        client.get_bytes(url)
    assert server.hits["/always-500"] == 3
    url = server.route("/flaky", sequence(send(503), send(429, headers={"Retry-After": "3600"}),
                                          send(200, b"ok")))
    client = GuardedClient(allow_private=LOCAL, retries=2, backoff=0.01, max_retry_wait=0.2)
    started = time.monotonic()
    assert client.get_bytes(url).data == b"ok"
    assert time.monotonic() - started < 3  # Retry-After: 3600 is capped


def test_client_errors_are_not_retried(server, local_client):
    with pytest.raises(HarvestError, match="HTTP 404"):
        local_client.get_bytes(server.url("/nothing-here"))
    assert server.hits["/nothing-here"] == 1


def test_files_only_when_allowed(fixtures):
    path = fixtures / "w3c-dcat3/examples/basic-example.ttl"
    for url in (path.as_uri(), str(path)):
        with pytest.raises(HarvestError, match="local files"):
            GuardedClient().get_bytes(url)
        assert GuardedClient(allow_files=True).get_bytes(url).data == path.read_bytes()
    with pytest.raises(HarvestError, match="exceeds 10 bytes"):
        GuardedClient(allow_files=True, max_bytes=10).get_bytes(str(path))
    for url in ("ftp://example.org/x", "gopher://example.org/", "javascript:alert(1)"):
        with pytest.raises(HarvestError, match="only http"):
            GuardedClient(allow_files=True).get_bytes(url)
