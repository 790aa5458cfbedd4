"""E-mail addresses: the one rule for what feeder takes as an address, bare or as ``Name <address>``.

Addresses come from the recipients file, ``digest.from``, ``site.author.email``
and a post's ``author.email``, and end up in a header, an SMTP envelope or a
feed.  A loose check there lets a value smuggle in a header, or name one
mailbox to feeder and another to the mail software: ``a@x.com # c <v@evil.example>``
is ``a@x.com#c`` to :func:`email.utils.parseaddr`, ``a@x.com`` to the header
parser and ``v@evil.example`` to a person reading it.  So there is one strict
rule, here, and every reader calls it:

* an *address* is ``local@domain``: the local part a dot-atom or a quoted string
  of printable ASCII without ``@``, at most 64 characters; the domain a host name of at least
  two LDH labels and no final dot (written in Unicode, it is IDNA-encoded) or an
  IP literal such as ``[192.0.2.1]`` or ``[IPv6:2001:db8::1]``; no whitespace,
  control or invisible character anywhere (:func:`check_address`);
* a *mailbox* is an address, or ``Name <address>`` where the name is a quoted
  string or plain words; the name holds no line break, and neither it nor what
  an RFC 2047 encoded-word in it decodes to may look like an address
  (``<``, ``>``, ``@``); and :func:`email.utils.parseaddr` must find the same
  address, or the value is refused (:func:`parse_mailbox`); it is at most 998
  characters, the longest line a message may hold.

``"v@evil.example"@example.com`` is a valid address to RFC 5321, but mail
software that "resolves safely" (Postfix's default) looks inside the quotes and
may route it to ``evil.example``: an ``@`` in the local part is refused.
Every step is linear in the length of the value, so a hostile line costs
microseconds, not minutes (a regular expression with two overlapping lazy
repeats took 47 s on 4,000 spaces).

Errors are :class:`ValueError`, worded for a person, quoting at most an excerpt
of the value; each caller says where the value came from.
"""

from __future__ import annotations

import ipaddress
import re

from feeder.text import find_control

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf'{_ATOM}(?:\.{_ATOM})*|"(?:[!#-?A-\[\]-~]|\\[!-?A-~])+"')  # dot-atom or quoted, no space or @
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')  # the two alternatives never start alike: linear
_SPECIALS = frozenset('()<>[]:;@\\,"')  # RFC 5322 specials but "."; a name holding one must be quoted
_ADDRESS_MARKS = frozenset("<>@")  # a name holding one could pass for an address
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[^?]*\?[^?]*\?=")
# The common case, which needs no cross-check: a plain dot-atom address of letters, digits and . _ + -, alone
# or after a name of plain words; email.utils.parseaddr reads these exactly as we do (it is 60% of the time
# of reading a 100,000-line list otherwise).
_PLAIN = re.compile(r"(?:[A-Za-z0-9 ]* <)?[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+>?")
# The common case of check_address, which it returns unchanged: a dot-atom local part of letters, digits and
# _ + - (at most 64 characters) and an ASCII host name; 60% of reading a long list otherwise.  Linear: the
# caller bounds the length, and no two repeats can match the same text.
_PLAIN_ADDRESS = re.compile(r"(?=[^@]{1,64}@)[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@"
                            r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                            r"(?![0-9]+\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
MAX_LENGTH = 998  # RFC 5322's longest line: no mailbox a person means is longer


def shown(value: str, limit: int = 80) -> str:
    """*value* quoted for a message, cut to *limit* characters: a hostile line is never echoed whole."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value)} characters)"


def address_key(address: str) -> str:
    """What "the same address" means everywhere (the list, a recipients file, the send ledger): the whole
    address lower-cased, local part too, as mail providers treat it in practice."""
    return address.strip().lower()


def check_address(value: str) -> str:
    """*value*, a bare address, as it is sent: a Unicode domain IDNA-encoded.

    The returned form is what feeder compares and delivers to; callers that
    print the address back (feeds, ``From:``) keep the value as written.
    """
    if len(value) <= 253 and _PLAIN_ADDRESS.fullmatch(value):
        return value
    bad = next((char for char in value if char.isspace() or not char.isprintable()), None)
    if bad is not None:
        raise ValueError(f"not an email address: {shown(value)} holds a space, control or invisible character "
                         f"({bad!r})")
    local, at, domain = value.rpartition("@")
    if not at:
        raise ValueError(f"not an email address (expected one '@'): {shown(value)}")
    if "@" in local:  # "v@evil.example"@x.com: some mail software routes it to evil.example
        raise ValueError(f"not an email address (expected one '@'; an '@' may not be quoted into the local part "
                         f"either): {shown(value)}")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local):
        raise ValueError(f"invalid local part {shown(local)} in {shown(value)}")
    address = f"{local}@{_domain(domain, value)}"
    if len(address) > 254:
        raise ValueError(f"address is longer than 254 characters: {shown(value)}")
    return address


def parse_mailbox(value: str) -> tuple[str, str]:
    """``address`` or ``Name <address>`` → (display name, address as :func:`check_address` returns it).

    The name comes back unquoted and with encoded-words decoded: as a mail client shows it.
    """
    text = value.strip()
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{shown(value)} is longer than {MAX_LENGTH} characters, the most a mailbox may be")
    bad = find_control(text, one_line=True)
    if bad is not None:
        raise ValueError(f"contains a control character or line break ({bad!r}): {shown(value)}")
    if "<" not in text and ">" not in text:
        name, spec = "", text
    else:
        parts = _name_and_address(text)
        if parts is None:
            raise ValueError(f"cannot read {shown(value)}; expected 'address' or 'Name <address>'")
        name, spec = _display_name(parts[0], value), parts[1]
    address = check_address(spec)
    if _PLAIN.fullmatch(text) and text.endswith(">") == ("<" in text):
        return name, address
    from email.utils import parseaddr  # with socket, 5 ms of start-up for configs without addresses otherwise

    if parseaddr(text)[1] != spec:
        raise ValueError(f"{shown(value)} reads as another address to the mail software "
                         f"({shown(parseaddr(text)[1])}); write it as 'Name <address>', quoting the name")
    return name, address


def _name_and_address(text: str) -> tuple[str, str] | None:
    """(raw name, address) of ``Name <address>`` or ``"Name" <address>``; None if it is not that shape.

    The name is a quoted string, or words holding no ``"``, ``<`` or ``>``; then one
    ``<address>`` that ends the value.  Read by hand, not by one regular expression,
    so that the time is linear in the length whatever the value holds.
    """
    if text.startswith('"'):
        quoted = _QUOTED.match(text)
        if quoted is None:
            return None
        name, rest = quoted[0], text[quoted.end():]
    else:
        cut = text.find("<")
        name, rest = text[:cut], text[cut:]
        if cut < 0 or '"' in name or ">" in name:
            return None
    rest = rest.lstrip()
    if not rest.startswith("<") or not rest.endswith(">") or len(rest) < 2:
        return None
    address = rest[1:-1]
    if "<" in address or ">" in address:
        return None
    return name.rstrip(), address.strip()


def _domain(domain: str, value: str) -> str:
    """*domain* checked, as it goes on the wire."""
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        try:
            if literal[:5].lower() == "ipv6:" and "%" not in literal:
                ipaddress.IPv6Address(literal[5:])
            else:
                ipaddress.IPv4Address(literal)
        except ValueError:
            raise ValueError(f"invalid address literal {shown(domain)} in {shown(value)}") from None
        return domain
    try:
        ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"invalid domain {shown(domain)} in {shown(value)}") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or len(ascii_domain) > 253 or labels[-1].isdigit() or \
            not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"invalid domain {shown(domain)} in {shown(value)}")
    return ascii_domain


def _display_name(raw: str, value: str) -> str:
    """The name of ``Name <address>`` as a reader sees it; refused if it could pass for an address."""
    if raw.startswith('"'):
        name = re.sub(r"\\(.)", r"\1", raw[1:-1])
    elif raw.startswith(".") or not _SPECIALS.isdisjoint(raw):  # a leading "." crashes the header parser
        raise ValueError(f"the name in {shown(value)} must be in double quotes: it starts with '.' or holds one of "
                         "( ) < > [ ] : ; @ \\ , \"")
    else:
        name = raw
    if _ENCODED_WORD.search(name):
        from email.errors import HeaderParseError
        from email.header import decode_header, make_header  # only a name with an =?…?= pays for them

        try:
            name = str(make_header(decode_header(name)))
        except (HeaderParseError, LookupError, ValueError):  # an unknown charset, bad base64
            raise ValueError(f"the name in {shown(value)} holds an encoded-word that does not decode") from None
        bad = find_control(name, one_line=True)
        if bad is not None:
            raise ValueError(f"the name in {shown(value)} hides a control character or line break ({bad!r})")
    if not _ADDRESS_MARKS.isdisjoint(name):
        raise ValueError(f"the name in {shown(value)} must not look like an address (it holds '<', '>' or '@')")
    return name.strip()
