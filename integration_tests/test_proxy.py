"""A node reached through an HTTP proxy named in the environment, as Airbyte deployments may set it.

The connector reads `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` once when it connects (see
fauna_gateway.py); these tests show that the proxy is still used, and bypassed where `NO_PROXY`
says so.
"""

from integration_tests.conftest import create_collection, create_documents, loopback_forwarder


def test_a_sync_goes_through_the_proxy_named_in_http_proxy(fauna, source):
    client = fauna.client()
    create_collection(client, "users")
    create_documents(client, "users", [{"n": 1}, {"n": 2}])
    config = fauna.config()
    with loopback_forwarder(fauna.host, fauna.port) as proxy:
        env = {"http_proxy": f"http://127.0.0.1:{proxy.port}", "no_proxy": ""}
        catalog = source.discover_catalog(config, "full_refresh")
        output = source.run("read", config, catalog, env=env)
        assert sorted(record["data"]["n"] for record in output.records_of("users")) == [1, 2]
        assert proxy.connections >= 1


def test_no_proxy_naming_the_node_bypasses_the_proxy(fauna, source):
    client = fauna.client()
    create_collection(client, "users")
    create_documents(client, "users", [{"n": 1}])
    config = fauna.config()
    with loopback_forwarder(fauna.host, fauna.port) as proxy:
        env = {"http_proxy": f"http://127.0.0.1:{proxy.port}", "no_proxy": fauna.host}
        output = source.run("read", config, source.discover_catalog(config, "full_refresh"), env=env)
        assert [record["data"]["n"] for record in output.records_of("users")] == [1]
        assert proxy.connections == 0
