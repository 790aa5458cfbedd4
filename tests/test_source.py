"""The one front-matter splitter: the collection (front only) and the renderer (whole file) split alike."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feeder.errors import PostError
from feeder.posts.source import decode, read_front_matter, split_front_matter


def both(data: bytes) -> tuple[str, str, int]:
    """Split *data* both ways; they must agree on the front matter and on the line the body starts."""
    front, body_line = read_front_matter("p.md", data)
    front_again, body, body_line_again = split_front_matter("p.md", data)
    assert (front_again, body_line_again) == (front, body_line)
    return front, body, body_line


@pytest.mark.parametrize("data, front, body, body_line", [
    (b"---\ntitle: A\n---\nBody\n", "title: A\n", "Body\n", 4),
    (b"---\n---\nBody", "", "Body", 3),
    (b"---  \ntitle: A\n...\t\nBody", "title: A\n", "Body", 4),
    (b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\nB\r\n", "title: A\n", "B\n", 4),
    (b"---\ntitle: A\n---\n---\nmore\n", "title: A\n", "---\nmore\n", 4),  # a later '---' is Markdown's
    (b"---\ntitle: A\n---", "title: A\n", "", 4),
    ("---\ntitle: A\n---\n\ufeffZero-width no-break space".encode(), "title: A\n",
     "\ufeffZero-width no-break space", 4),
    (b"---\ntitle: A\x01\n---\nB\x00ody\rnext", "title: A\n", "Body\nnext", 4),
])
def test_split(data, front, body, body_line):
    assert both(data) == (front, body, body_line)


@pytest.mark.parametrize("data, words, line", [
    (b"", "empty file", None),
    (b"# Title\n", "no front matter", 1),
    (b"---\ntitle: A\n", "never closed", 1),
    (b"---", "never closed", 1),  # the opening line does not close itself
    (b"---  ", "never closed", 1),
    (b"---\ntitle: A\n---\x0c\nBody", "never closed", 1),  # a fence is '---' and blanks, nothing else
    ("---\u3000\ntitle: A\n---\n".encode(), "no front matter", 1),
    (b"---\rtitle: A\r---\rBody\r", "no front matter", 1),  # CR alone does not end a fence line
    (b"---\ntitle: caf\xe9\n---\n", r"0xe9 at offset 14\)", 2),
])
def test_refused_the_same_way_by_both(data, words, line):
    for split in (read_front_matter, split_front_matter):
        with pytest.raises(PostError, match=words) as caught:
            split("p.md", data)
        assert caught.value.line == line


def test_a_body_that_is_not_utf8_is_found_by_the_renderer_with_its_file_line_and_offset():
    data = b"---\ntitle: A\n---\nfine\ncaf\xe9\n"
    assert read_front_matter("p.md", data) == ("title: A\n", 4)  # the collection does not read the body
    with pytest.raises(PostError, match=r"0xe9 at offset 25\)") as caught:
        split_front_matter("p.md", data)
    assert caught.value.line == 5


LINES = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12), max_size=6)


@given(LINES, LINES, st.sampled_from(["---", "...", "--- ", "---\t", "---\x0c", "--", "---\r"]),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
@example(["a: 1"], ["---", "b"], "---", "\n", False)
@example(["a: 1", "---\x0c"], ["b"], "---", "\n", False)
def test_read_and_split_agree_on_any_file(front_lines, body_lines, fence, newline, bom):
    data = ("\ufeff" * bom + newline.join(["---", *front_lines, fence, *body_lines])).encode()
    try:
        body_line = read_front_matter("p.md", data)[1]
    except PostError as exc:
        with pytest.raises(PostError) as again:
            split_front_matter("p.md", data)
        assert (again.value.message, again.value.line) == (exc.message, exc.line)
        return
    _front, body, _line = both(data)
    lines = data.split(b"\n")  # lines as errors count them: by LF
    if len(lines) < body_line:
        assert body == ""  # the file ends on the closing fence
    else:  # the body is the file's text from that line on
        assert decode("p.md", data) == decode("p.md", b"\n".join(lines[: body_line - 1]) + b"\n") + body
