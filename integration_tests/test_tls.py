"""A node behind TLS with a private certificate: trusted through `tls.ca_certificate`, refused without it.

A small TLS terminator on loopback (a self-signed certificate for 127.0.0.1, made here) forwards
to the local Fauna, as a self-hosted node with its own certificate authority would answer.
"""

import datetime
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integration_tests.conftest import create_collection, create_documents, loopback_forwarder


def self_signed_certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fauna test node")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "node.pem").write_bytes(pem)
    (tmp_path / "node.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return pem.decode(), tmp_path / "node.pem", tmp_path / "node.key"


@pytest.fixture
def tls_node(fauna, tmp_path):
    pem, cert_file, key_file = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    with loopback_forwarder(fauna.host, fauna.port, wrap=lambda client: context.wrap_socket(client, server_side=True)) as forwarder:
        yield pem, forwarder.port


def test_a_node_with_a_private_certificate_is_trusted_through_the_ca_certificate(fauna, source, tls_node):
    pem, port = tls_node
    client = fauna.client()
    create_collection(client, "users")
    create_documents(client, "users", [{"n": 1}, {"n": 2}])
    config = fauna.config(scheme="https", port=port, tls={"ca_certificate": pem})
    assert source.run("check", config).status["status"] == "SUCCEEDED"
    output = source.run("read", config, source.discover_catalog(config, "full_refresh"))
    assert sorted(record["data"]["n"] for record in output.records_of("users")) == [1, 2]


def test_without_the_ca_certificate_the_node_is_refused_unless_verification_is_off(fauna, source, tls_node):
    _, port = tls_node
    create_collection(fauna.client(), "users")
    refused = source.run("check", fauna.config(scheme="https", port=port))
    assert refused.status["status"] == "FAILED" and "TLS handshake" in refused.status["message"]
    assert "tls.ca_certificate" in refused.status["message"]
    unverified = source.run("check", fauna.config(scheme="https", port=port, tls={"verify_certificate": False}))
    assert unverified.status["status"] == "SUCCEEDED"
