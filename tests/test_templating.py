"""Template mistakes said with the file, the line and the name (feeder/digest/templating.py)."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import jinja2
import pytest

from feeder.digest.templating import Unknown, explain


def render(folder: Path, files: dict[str, str], **context) -> str:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), undefined=Unknown)
    try:
        return env.get_template("main.html").render(context)
    except jinja2.UndefinedError as exc:
        return explain(exc, "main.html")


@pytest.mark.parametrize("use, message", [
    ("{{ subtitle }}", "unknown value 'subtitle'"),
    ("{{ item.extra.subtitle }}", "unknown value 'subtitle': the mapping has no 'subtitle' (it has: lead)"),
    ("{{ item.nothing.at_all }}", "unknown value 'nothing': the mapping has no 'nothing' (it has: extra)"),
    ("{% for x in missing %}{% endfor %}", "unknown value 'missing'"),
])
def test_an_unknown_value_names_itself_its_file_and_line(tmp_path, use, message):
    said = render(tmp_path, {"main.html": f"<p>one</p>\n<p>two</p>\n<h2>{use}</h2>\n"},
                  item={"extra": MappingProxyType({"lead": "x"})})
    assert said == f"{tmp_path / 'main.html'}:3: template error: {message} in: <h2>{use}</h2>"


def test_the_line_is_the_included_templates_own(tmp_path):
    said = render(tmp_path, {"main.html": "top\n{% include 'card.html' %}\n", "card.html": "a\nb\n{{ nope }}\n"})
    assert said.startswith(f"{tmp_path / 'card.html'}:3: template error: unknown value 'nope' in: {{{{ nope }}}}")


def test_a_value_that_is_there_and_a_test_for_one_that_is_not_still_work(tmp_path):
    page = render(tmp_path, {"main.html": "{{ a }}{% if b is defined %}!{% endif %}{{ c | default('-') }}"}, a="x")
    assert page == "x-"
