"""The one address rule: bare addresses and ``Name <address>``, strict enough that no reader sees another mailbox."""

from __future__ import annotations

from datetime import datetime, timezone
from email import policy
from email.errors import ObsoleteHeaderDefect
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feeder.addresses import check_address, parse_mailbox


@pytest.mark.parametrize("value, sent", [
    ("alice@example.com", "alice@example.com"),
    ("first.last+tag@mail.example.org", "first.last+tag@mail.example.org"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ('"a..b"@example.com', '"a..b"@example.com'),
    ("grace@bücher.example", "grace@xn--bcher-kva.example"),
    ("ip@[192.0.2.1]", "ip@[192.0.2.1]"),
    ("ip6@[IPv6:2001:db8::1]", "ip6@[IPv6:2001:db8::1]"),
])
def test_check_address_accepts_and_gives_the_form_that_is_sent(value, sent):
    assert check_address(value) == sent
    assert check_address(sent) == sent


@pytest.mark.parametrize("bad", [
    "not-an-address", "@example.com", "a@", "a b@example.com", "a@b@example.com", "dave@@example.com",
    "a..b@example.com", ".dot@example.com", "dot.@example.com", '"a b"@example.com', '""@example.com',
    "a@example", "a@localhost", "a@-example.com", "a@exa_mple.com", "a@example..com", "a@example.com.",
    "a@example.com..",
    '"a@b"@example.com', '"v@evil.example"@example.com', '"v\\@evil.example"@example.com',  # routed by some MTAs
    "a@1.2.3.4", "a@[1.2.3]", "a@[IPv6:fe80::1%eth0]", "ü@example.com", "a@exa\u200bmple.com",
    "a@example.com\r\nBcc: x@y.z", "a@example.com\n", "a\x00@example.com", " a@example.com",
    "Bob <bob@example.com>", "x" * 65 + "@example.com", "a@" + "b" * 64 + ".com", "a@" + "b." * 126 + "com",
])
def test_check_address_rejects(bad):
    with pytest.raises(ValueError):
        check_address(bad)


@pytest.mark.parametrize("value, name, address", [
    ("alice@example.com", "", "alice@example.com"),
    ("<alice@example.com>", "", "alice@example.com"),
    ("Bob Builder <bob@example.org>", "Bob Builder", "bob@example.org"),
    ("John Q. Public <jqp@example.com>", "John Q. Public", "jqp@example.com"),
    ('"Carol, Jr." <carol@example.net>', "Carol, Jr.", "carol@example.net"),
    ('"Carol \\"C\\" Jr." <c@example.net>', 'Carol "C" Jr.', "c@example.net"),
    ("山田太郎 <taro@example.jp>", "山田太郎", "taro@example.jp"),
    ("=?utf-8?b?5bGx55Sw5aSq6YOO?= <taro@example.jp>", "山田太郎", "taro@example.jp"),
    ("  Site <news@bücher.example>  ", "Site", "news@xn--bcher-kva.example"),
])
def test_parse_mailbox_accepts(value, name, address):
    assert parse_mailbox(value) == (name, address)


@pytest.mark.parametrize("bad, why", [
    ("a@x.com # c <victim@evil.example>", "double quotes"),  # three parsers, three different addresses
    ("Doe, John <j@example.com>", "double quotes"),  # a header reader sees two mailboxes
    ('"victim@evil.example" <a@example.com>', "look like an address"),
    ('"Bob <v@evil.example>" <a@example.com>', "look like an address"),
    ("=?utf-8?q?a=3Cv=40evil.example=3E?= <a@example.com>", "look like an address"),
    ("=?utf-8?q?Bob=0D=0ABcc=3A_v=40evil.example?= <a@example.com>", "hides a control character"),
    ("=?utf-8?q?Bob=E2=80=A8X?= <a@example.com>", "hides a control character"),
    ("=?no-such-charset?q?x?= <a@example.com>", "does not decode"),
    ("Bob <a@example.com>\r\nBcc: v@evil.example", "control character"),
    ("Bob\u2028Bcc: v@evil.example <a@example.com>", "control character"),
    ("Alice <a@example.com> <b@example.com>", "cannot read"),
    ("Alice <a@example.com", "cannot read"),
    ("a@example.com (Alice)", "space"),
    ("Bob <not-an-address>", "expected one '@'"),
    (". <a@example.com>", "double quotes"),  # the email package's header parser crashes on it
    ("Bob <a@example>", "invalid domain"),
])
def test_parse_mailbox_refuses_tricks(bad, why):
    with pytest.raises(ValueError, match=why):
        parse_mailbox(bad)


ATOM = st.text(st.sampled_from("abcXYZ019!#$%&'*+/=?^_`{|}~-"), min_size=1, max_size=8)
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
ADDRESSES = st.builds(lambda atoms, labels, tld: ".".join(atoms) + "@" + ".".join([*labels, tld]),
                      st.lists(ATOM, min_size=1, max_size=3), st.lists(LABEL, min_size=1, max_size=3),
                      st.from_regex(r"[a-z]{2,6}", fullmatch=True))


@given(ADDRESSES)
def test_every_dot_atom_address_is_accepted_unchanged(address):
    assert check_address(address) == address
    assert parse_mailbox(address) == ("", address)


@given(st.text(max_size=30), ADDRESSES)
@example("Carol, Jr.", "c@example.com").via("quoted by formataddr")
@example("Bob\r\nBcc: v@evil.example", "a@example.com").via("a line break in a name")
def test_what_formataddr_writes_reads_back_or_is_refused(name, address):
    try:
        parsed = parse_mailbox(formataddr((name, address)))
    except ValueError:
        return  # refused is fine; what matters is never reading another address
    assert parsed[1] == address


@given(st.text(st.sampled_from('ab@.<>"\\,;:#() \t=?QB\r\n\u2028é'), max_size=25), ADDRESSES)
def test_an_accepted_mailbox_is_one_mailbox_to_every_reader(junk, address):
    for value in (f"{junk} <{address}>", f"{junk}{address}", f"{address}{junk}", f'"{junk}" <{address}>'):
        try:
            _name, parsed = parse_mailbox(value)
        except ValueError:
            continue
        assert check_address(parseaddr(value.strip())[1]) == parsed
        header = HeaderRegistry()("To", value.strip())
        assert [check_address(a.addr_spec) for a in header.addresses] == [parsed]
        # "John Q. Public" is an obsolete phrase, and the only defect allowed
        assert all(isinstance(defect, ObsoleteHeaderDefect) for defect in header.defects)
        message = EmailMessage(policy=policy.SMTP)
        message["To"] = value.strip()
        head = message.as_bytes().split(b"\r\n\r\n")[0]
        assert [line for line in head.split(b"\r\n") if not line[:1].isspace()] == [head.split(b"\r\n")[0]]


def test_one_rule_says_when_two_addresses_are_the_same_for_the_list_and_a_recipients_file() -> None:
    from feeder.addresses import address_key
    from feeder.mail.recipients import Recipient
    from feeder.mail.subscribers import Source, Status, Subscriber

    assert address_key(" Ada.L@Example.ORG ") == "ada.l@example.org"
    now = datetime(2025, 12, 1, tzinfo=timezone.utc)
    subscriber = Subscriber(1, "ADA.L@example.org", "Ada", Status.ACTIVE, next(iter(Source)), now, now)
    assert Recipient("Ada.L@Example.org", "Ada").key == subscriber.key == "ada.l@example.org"  # one ledger key
