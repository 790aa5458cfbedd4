"""The nesting estimate that keeps pathological HTML away from the sanitizer (issue 14, row 3)."""

from __future__ import annotations

import nh3
import pytest

from feeder.posts.nesting import MAX_DEPTH, TooDeep, check_nesting


@pytest.mark.parametrize("fragment", ids=lambda f: f[:24], argvalues=[
    "<div>" * (MAX_DEPTH - 1) + "x" + "</div>" * (MAX_DEPTH - 1),  # exactly at the limit
    ("<div><p>a</p><img src=x><br></div>" * 5000),  # many elements, shallow: void ones never open a level
    "<p>one<p>two<p>three" * 1000,  # unclosed paragraphs close each other, as a parser closes them
    "<ul>" + "<li>item" * 2000 + "</ul>",
    "<table>" + "<tr><td>a<td>b" * 1000 + "</table>",
    "<dl>" + "<dt>term<dd>definition" * 1000 + "</dl>",
    "1 < 2 and 3 > 2, " * 2000,  # no tags at all
    "".join(f'<a href="{i}">x' for i in range(2000)),  # unclosed links: each closes the one before
])
def test_what_real_html_does_passes(fragment: str) -> None:
    check_nesting(fragment)


@pytest.mark.parametrize("fragment", ids=lambda f: f[:24], argvalues=[
    "<div>" * (MAX_DEPTH + 1),
    "<DIV>" * 400 + "<span>" * 200,
    "<div></x>" * (MAX_DEPTH + 1),  # an end tag that closes nothing open does not lower the count
    "<div><b></div>" * 300,  # a parser may rebuild the <b>: counted as open
    "<blockquote>" * 1000 + "</blockquote>" * 1000,
])
def test_deeper_than_the_limit_is_refused(fragment: str) -> None:
    with pytest.raises(TooDeep, match=f"nests deeper than {MAX_DEPTH} levels"):
        check_nesting(fragment)


@pytest.mark.parametrize("fragment", ids=lambda f: f[:24], argvalues=[
    "<div><span>" * 100, "<table><td>" * 100, "<table><tr><td>x" * 100, "<p><div>" * 100,
    "<ul><li><p>x" * 100, "<dl><dt>a<dd><div>" * 100, "<blockquote><p>q" * 100, "<b><i><u>" * 100,
])
def test_the_estimate_is_never_below_what_the_sanitizer_builds(fragment: str) -> None:
    """nh3's own output is well-formed: how deep it nests is how deep its parser's stack went."""
    out = nh3.clean(fragment, tags={"div", "span", "b", "i", "u", "table", "tbody", "tr", "td", "p", "ul", "li", "dl",
                                    "dt", "dd", "blockquote"})
    depth = deepest = 0
    for token in out.split("<")[1:]:
        depth += -1 if token.startswith("/") else 1
        deepest = max(deepest, depth)
    assert deepest > 90
    with pytest.raises(TooDeep):
        check_nesting(fragment, limit=deepest - 1)


def _b_with_ids(n: int) -> str:
    return "".join(f'<b id="{i}">' for i in range(n))


N = 20_000
SLOW = {  # seconds of nh3 each, measured at N = 20,000, in native code no time limit interrupts
    "nested <div>": "<div>" * N + "x" + "</div>" * N,  # 1.3 s (100,000: three minutes)
    "nested <span>, then <div>": "<span>" * N + "<div>" * N,  # 3.7 s
    "nested <span>, then stray end tags": "<span>" * N + "</x>" * N,  # 3.0 s
    "nested <span>, then paragraphs": "<span>" * N + "<p>x</p>" * N,  # 2.8 s
    "<b> with distinct ids": _b_with_ids(N) + "x",  # 25 s
    "<b> with distinct ids, then links": _b_with_ids(N) + "<a>x</a>" * N,  # 24 s
    "<b> with distinct ids closed by a <div>, then text": "<div>" + _b_with_ids(N) + "</div>" + "x<i>y</i>" * N,  # 27 s
    "<font> with distinct colours, then <em>": "".join(f'<font color="#{i:06x}">' for i in range(N))
                                               + "<em>x</em>" * N,  # 37 s
}


@pytest.mark.parametrize("name", SLOW)
def test_what_the_sanitizer_takes_seconds_over_is_refused_before_it_reaches_the_sanitizer(name: str) -> None:
    with pytest.raises(TooDeep):
        check_nesting(SLOW[name])

