"""DKIM: the key is checked at start, and what aiosmtpd receives verifies with dkimpy against the public key."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import dkim
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from feeder.config import load_config
from feeder.errors import ConfigError
from feeder.mail.dkim import SIGNED

NOW, WEEK = "2025-12-22T00:00:00Z", "2025-W50"
REQUIRED = {"from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe", "list-unsubscribe-post"}


def make_key(folder: Path, bits: int = 2048, pkcs8: bool = False) -> tuple[Path, bytes]:
    """(PEM file of a new private key, the DNS TXT record that publishes its public half)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    form = serialization.PrivateFormat.PKCS8 if pkcs8 else serialization.PrivateFormat.TraditionalOpenSSL
    pem = key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption())
    path = folder / ("dkim8.pem" if pkcs8 else "dkim.pem")
    path.write_bytes(pem)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return path, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def dns(records: dict[bytes, bytes]):
    """dkimpy's dnsfunc: the TXT records of a zone that exists only in this test."""

    def lookup(name: bytes, timeout: float = 5) -> bytes | None:
        return records.get(name.rstrip(b"."))

    return lookup


def configure(root: Path, port: int, dkim_config: dict | None, recipients: int = 3) -> Path:
    path = root / "config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["smtp"] = {"host": "127.0.0.1", "port": port, "security": "none", "retries": 0}
    if dkim_config is not None:
        raw["smtp"]["dkim"] = dkim_config
    raw["digest"]["recipients"] = "recipients.txt"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "recipients.txt").write_text("".join(f"reader{i}@example.com\n" for i in range(recipients)))
    return path


def signed_headers(data: bytes) -> set[str]:
    head = data.split(b"\r\n\r\n")[0].decode()
    signature = re.search(r"^DKIM-Signature:(.*?)(?=\r\n\S)", head, re.S | re.M)[1]
    tags = re.search(r"\bh=([^;]*)", re.sub(r"\s+", "", signature))[1]
    return {name.lower() for name in tags.split(":")}


@pytest.mark.parametrize("pkcs8", [False, True], ids=["pkcs1", "pkcs8"])
def test_every_message_sent_verifies_against_the_published_key(cli, sample_site, server, pkcs8):
    key_file, record = make_key(sample_site, pkcs8=pkcs8)
    srv = server()
    config = configure(sample_site, srv.port, {"domain": "allforces.example.com", "selector": "feeder2026",
                                               "private_key_file": key_file.name})
    result = cli("send", "--config", config, "--now", NOW, "--week", WEEK)
    assert result.exit_code == 0, result.output
    assert len(srv.handler.received) == 3
    lookup = dns({b"feeder2026._domainkey.allforces.example.com": record})
    for received in srv.handler.received:
        assert received.data.startswith(b"DKIM-Signature: ")
        assert dkim.verify(received.data, dnsfunc=lookup), received.data[:600]
        assert signed_headers(received.data) >= REQUIRED
        assert received.message["List-Unsubscribe"]  # the signed header is there to be checked
        tampered = re.sub(rb"(List-Unsubscribe: <https://)", rb"\1evil.example.net/", received.data)
        assert tampered != received.data and not dkim.verify(tampered, dnsfunc=lookup)
        head, body = received.data.split(b"\r\n\r\n", 1)
        assert not dkim.verify(head + b"\r\n\r\n" + body.replace(b"https://", b"https://x", 1), dnsfunc=lookup)
    other = dns({b"feeder2026._domainkey.allforces.example.com": make_key(sample_site / "posts")[1]})
    assert not dkim.verify(srv.handler.received[0].data, dnsfunc=other)  # a foreign key does not verify it


def test_messages_built_by_worker_processes_are_signed(sample_config, tmp_path):
    """A long list is built (and so signed) in forked workers: each copy verifies."""
    from dataclasses import replace

    from feeder.config import Dkim
    from feeder.dates import parse_now
    from feeder.digest.issue import build_issue
    from feeder.digest.message import build_message
    from feeder.mail.dkim import Signer
    from feeder.mail.outbox import PARALLEL_FROM, Job, messages
    from feeder.mail.recipients import Recipient

    key_file, record = make_key(tmp_path)
    key = Dkim("allforces.example.com", "s1", key_file, key_file.read_bytes())
    config = replace(sample_config, smtp=replace(sample_config.smtp, dkim=key))
    now = parse_now(NOW)
    job = Job(config, build_issue(config, now, WEEK), now, WEEK, 0, "digest@allforces.example.com", build_message,
              Signer(key, now))
    todo = [Recipient(f"r{i}@example.com", "") for i in range(PARALLEL_FROM)]
    lookup = dns({b"s1._domainkey.allforces.example.com": record})
    built = list(messages(job, todo, workers=2))
    assert len(built) == PARALLEL_FROM
    assert all(dkim.verify(data, dnsfunc=lookup) for _r, _mid, data in built[:: PARALLEL_FROM // 8])
    assert b" t=1766361600;" in built[0][2]  # the signature time is the run's clock (--now), not the machine's


def test_a_test_send_is_signed_too(cli, sample_site, server):
    key_file, record = make_key(sample_site)
    srv = server()
    config = configure(sample_site, srv.port, {"domain": "allforces.example.com", "selector": "s1",
                                               "private_key_file": str(key_file)})
    result = cli("send", "--config", config, "--now", NOW, "--week", WEEK, "--to", "me@example.com")
    assert result.exit_code == 0, result.output
    (received,) = srv.handler.received
    assert dkim.verify(received.data, dnsfunc=dns({b"s1._domainkey.allforces.example.com": record}))


def test_every_dkim_problem_is_reported_at_start_and_nothing_is_sent(cli, sample_site, server):
    (sample_site / "junk.pem").write_text("-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n"
                                          "-----END RSA PRIVATE KEY-----\n")
    srv = server()
    config = configure(sample_site, srv.port, {"domain": "bad domain!", "selector": "",
                                               "private_key_file": "junk.pem", "algorithm": "ed25519"})
    result = cli("send", "--config", config, "--now", NOW, "--week", WEEK)
    assert result.exit_code == 2
    out = result.output
    assert "smtp.dkim.domain: must be a DNS name" in out
    assert "smtp.dkim.selector: must be a DNS name" in out or "smtp.dkim.selector: required" in out
    assert "smtp.dkim.private_key_file:" in out and "junk.pem is not a PEM private key" in out
    assert "smtp.dkim.algorithm: unknown key" in out
    assert srv.handler.received == []


@pytest.mark.parametrize("name, expected", [("missing.pem", "cannot read"), (".", "cannot read"),
                                            (None, "required key is missing")])
def test_a_missing_or_unreadable_key_is_a_config_error(sample_site, name, expected):
    dkim_config = {"domain": "example.com", "selector": "s1"}
    if name is not None:
        dkim_config["private_key_file"] = name
    config = configure(sample_site, 2525, dkim_config)
    with pytest.raises(ConfigError, match=rf"smtp\.dkim\.private_key_file: .*{expected}"):
        load_config(config)


def test_a_key_of_another_kind_or_with_a_passphrase_is_refused(sample_site):
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (sample_site / "ec.pem").write_bytes(ec_key)
    with pytest.raises(ConfigError, match=r"ec\.pem is not an RSA key"):
        load_config(configure(sample_site, 2525, {"domain": "example.com", "selector": "s1",
                                                  "private_key_file": "ec.pem"}))
    locked = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"))
    (sample_site / "locked.pem").write_bytes(locked)
    with pytest.raises(ConfigError, match=r"locked\.pem is protected by a passphrase"):
        load_config(configure(sample_site, 2525, {"domain": "example.com", "selector": "s1",
                                                  "private_key_file": "locked.pem"}))


def test_a_good_key_is_read_once_and_never_shown(sample_site):
    key_file, _record = make_key(sample_site, bits=1024)
    config = load_config(configure(sample_site, 2525, {"domain": "Example.COM", "selector": "s1",
                                                       "private_key_file": str(key_file)}))
    assert config.smtp.dkim is not None and config.smtp.dkim.domain == "example.com"
    assert "PRIVATE KEY" not in repr(config)  # the key never shows in a repr (or a log line made from one)
    assert set(name.lower() for name in SIGNED) >= REQUIRED
