"""Webhooks to an https:// endpoint: the delivery goes over TLS to a receiver whose certificate
the sender verifies against the trusted roots (here a test CA named by ``SSL_CERT_FILE``, the way
an operator adds an internal CA), and the ``standardwebhooks`` package verifies the signature.
A receiver whose certificate the sender does not trust gets nothing: the attempt fails with the
certificate as its reason and the delivery waits for its retry.

The keep runs in a child process, because the sender's TLS context is made once per process
from the environment it starts with."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import standardwebhooks
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhook_receiver import receiving

CHILD = r"""
import json, sys, time, statekeep
location, url = sys.argv[1], sys.argv[2]
with statekeep.open(location, allow_private_webhooks=True, webhook_timeout=2.0) as keep:
    keep.deploy("notes-v1", {"id": "notes", "initial": "open", "states": {"open": {"on": {"NOTE": {}}}}})
    hook = keep.add_webhook(url)
    keep.spawn("notes-v1", actor_id="a")
    keep.send("a", {"type": "NOTE", "text": "over TLS"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        shown = keep.webhook(hook.id)
        if shown.pending == 0 and shown.cursor == keep.last_change():
            break
        if any(d.attempts for d in keep.webhook_deliveries(hook.id)):
            break
        time.sleep(0.02)
    shown = keep.webhook(hook.id)
    print(json.dumps({
        "secret": hook.secret,
        "pending": shown.pending,
        "cursor": shown.cursor,
        "last": keep.last_change(),
        "attempts": [a for d in keep.webhook_deliveries(hook.id) for a in d.attempts],
    }))
"""


def certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None
) -> x509.Certificate:
    """A CA certificate (no issuer: self-signed) or a server certificate for 127.0.0.1."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if issuer is None else issuer[0])
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    signer = key if issuer is None else issuer[1]
    return builder.sign(signer, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def tls_receiver_context(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context whose certificate a test CA signed, and that CA's certificate file."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate("statekeep test CA", ca_key, None)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = certificate("127.0.0.1", server_key, (ca.subject, ca_key))
    (tmp_path / "ca.pem").write_bytes(pem(ca))
    (tmp_path / "server.pem").write_bytes(pem(server) + pem(ca))
    (tmp_path / "server.key").write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    return context, tmp_path / "ca.pem"


def deliver(location: Path, url: str, trusted: Path) -> dict[str, Any]:
    env = dict(os.environ, SSL_CERT_FILE=str(trusted))
    env.pop("SSL_CERT_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(location), url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_a_delivery_over_tls_to_a_trusted_receiver_is_verified(tmp_path: Path, key_dir: Path) -> None:
    context, ca = tls_receiver_context(tmp_path)
    with receiving(tls=context) as receiver:
        assert receiver.url.startswith("https://")
        outcome = deliver(tmp_path / "data", receiver.url, ca)
        got = receiver.wait_for(2)
    assert outcome["pending"] == 0 and outcome["cursor"] == outcome["last"] == 2
    bodies = [standardwebhooks.Webhook(outcome["secret"]).verify(g.body, g.headers) for g in got]
    assert [b["type"] for b in bodies] == ["actor.spawned", "actor.event"]
    assert bodies[1]["data"]["event"] == {"type": "NOTE", "text": "over TLS"}


def test_a_receiver_whose_certificate_is_not_trusted_gets_nothing(tmp_path: Path, key_dir: Path) -> None:
    context, _ = tls_receiver_context(tmp_path)
    # The sender trusts another CA only: the receiver's certificate does not verify.
    other = tmp_path / "other"
    other.mkdir()
    _, other_ca = tls_receiver_context(other)
    with receiving(tls=context) as receiver:
        outcome = deliver(tmp_path / "data", receiver.url, other_ca)
        assert receiver.received == []
    assert outcome["pending"] >= 1
    [first, *_] = outcome["attempts"]
    assert first["status"] is None
    assert "certificate" in first["error"].lower(), first["error"]
