"""E-mail addresses: the one rule for what feeder takes as an address, bare or as ``Name <address>``.

Addresses come from the recipients file, ``digest.from``, ``site.author.email``
and a post's ``author.email``, and end up in a header, an SMTP envelope or a
feed.  A loose check there lets a value smuggle in a header, or name one
mailbox to feeder and another to the mail software: ``a@x.com # c <v@evil.example>``
is ``a@x.com#c`` to :func:`email.utils.parseaddr`, ``a@x.com`` to the header
parser and ``v@evil.example`` to a person reading it.  So there is one strict
rule, here, and every reader calls it:

* an *address* is ``local@domain``: the local part a dot-atom or a quoted string
  of printable ASCII, at most 64 characters; the domain a host name of at least
  two LDH labels and no final dot (written in Unicode, it is IDNA-encoded) or an
  IP literal such as ``[192.0.2.1]`` or ``[IPv6:2001:db8::1]``; no whitespace,
  control or invisible character anywhere (:func:`check_address`);
* a *mailbox* is an address, or ``Name <address>`` where the name is a quoted
  string or plain words; the name holds no line break, and neither it nor what
  an RFC 2047 encoded-word in it decodes to may look like an address
  (``<``, ``>``, ``@``); and :func:`email.utils.parseaddr` must find the same
  address, or the value is refused (:func:`parse_mailbox`).

Errors are :class:`ValueError`, worded for a person; each caller says where the
value came from.
"""

from __future__ import annotations

import ipaddress
import re

from feeder.text import find_control

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf'{_ATOM}(?:\.{_ATOM})*|"(?:[!#-\[\]-~]|\\[!-~])+"')  # dot-atom or quoted string, no spaces
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_NAME_ADDR = re.compile(r'(?P<name>"(?:[^"\\]|\\.)*"|[^"<>]*?)\s*<\s*(?P<address>[^<>]*?)\s*>')
_SPECIALS = frozenset('()<>[]:;@\\,"')  # RFC 5322 specials but "."; a name holding one must be quoted
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[^?]*\?[^?]*\?=")


def check_address(value: str) -> str:
    """*value*, a bare address, as it is sent: a Unicode domain IDNA-encoded.

    The returned form is what feeder compares and delivers to; callers that
    print the address back (feeds, ``From:``) keep the value as written.
    """
    bad = next((char for char in value if char.isspace() or not char.isprintable()), None)
    if bad is not None:
        raise ValueError(f"not an email address: {value!r} holds a space, control or invisible character ({bad!r})")
    local, at, domain = value.rpartition("@")
    if not at:
        raise ValueError(f"not an email address (expected one '@'): {value!r}")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local):
        raise ValueError(f"invalid local part {local!r} in {value!r}")
    address = f"{local}@{_domain(domain, value)}"
    if len(address) > 254:
        raise ValueError(f"address is longer than 254 characters: {value!r}")
    return address


def parse_mailbox(value: str) -> tuple[str, str]:
    """``address`` or ``Name <address>`` → (display name, address as :func:`check_address` returns it).

    The name comes back unquoted and with encoded-words decoded: as a mail client shows it.
    """
    text = value.strip()
    bad = find_control(text, one_line=True)
    if bad is not None:
        raise ValueError(f"contains a control character or line break ({bad!r}): {value!r}")
    if "<" not in text and ">" not in text:
        name, spec = "", text
    else:
        match = _NAME_ADDR.fullmatch(text)
        if match is None:
            raise ValueError(f"cannot read {value!r}; expected 'address' or 'Name <address>'")
        name, spec = _display_name(match["name"], value), match["address"]
    address = check_address(spec)
    from email.utils import parseaddr  # with socket, 5 ms of start-up for configs without addresses otherwise

    if parseaddr(text)[1] != spec:
        raise ValueError(f"{value!r} reads as another address to the mail software ({parseaddr(text)[1]!r}); "
                         "write it as 'Name <address>', quoting the name")
    return name, address


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
            raise ValueError(f"invalid address literal {domain!r} in {value!r}") from None
        return domain
    try:
        ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"invalid domain {domain!r} in {value!r}") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or len(ascii_domain) > 253 or labels[-1].isdigit() or \
            not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"invalid domain {domain!r} in {value!r}")
    return ascii_domain


def _display_name(raw: str, value: str) -> str:
    """The name of ``Name <address>`` as a reader sees it; refused if it could pass for an address."""
    if raw.startswith('"'):
        name = re.sub(r"\\(.)", r"\1", raw[1:-1])
    elif raw.startswith(".") or any(char in _SPECIALS for char in raw):  # a leading "." crashes the header parser
        raise ValueError(f"the name in {value!r} must be in double quotes: it starts with '.' or holds one of "
                         "( ) < > [ ] : ; @ \\ , \"")
    else:
        name = raw
    if _ENCODED_WORD.search(name):
        from email.errors import HeaderParseError
        from email.header import decode_header, make_header  # only a name with an =?…?= pays for them

        try:
            name = str(make_header(decode_header(name)))
        except (HeaderParseError, LookupError, ValueError):  # an unknown charset, bad base64
            raise ValueError(f"the name in {value!r} holds an encoded-word that does not decode") from None
        bad = find_control(name, one_line=True)
        if bad is not None:
            raise ValueError(f"the name in {value!r} hides a control character or line break ({bad!r})")
    if any(char in "<>@" for char in name):
        raise ValueError(f"the name in {value!r} must not look like an address (it holds '<', '>' or '@')")
    return name.strip()
