"""Liquid in Jekyll posts (feeder.posts.liquid and its tags, filters and links): rendered before Markdown as
Jekyll does it; what only a plugin knows noted with its line; a syntax error makes the post invalid."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from feeder.config import Config, load_config
from feeder.errors import PostError
from feeder.posts.liquid import Liquid, Note, liquid_site, post_key
from feeder.posts.load import load_one
from feeder.posts.render import Renderer

NOW = "2021-01-01T00:00:00Z"


class JekyllSite:
    """A Jekyll site in a temporary folder: _config.yml, _includes/, _data/, _posts/, and `jekyll: .`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in ("_posts", "_includes", "_data", "docs"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        self.write("_config.yml", """\
            title: Liquid Test
            description: Posts with Liquid
            url: https://example.org
            baseurl: /blog
            timezone: UTC
            permalink: /:year/:month/:day/:title/
            collections:
              docs:
                output: true
                permalink: /:collection/:path/
            """)
        self.write("config.yaml", "jekyll: .\n")
        self.write("_data/team.yml", "members:\n  - {name: Ann, year: 2014}\n  - {name: Bo, year: 2015}\n"
                                     "  - {name: Cy, year: 2014}\n")
        self.write("_includes/figure.html",
                   '<figure><img src="{{ include.src | relative_url }}" alt="{{ include.alt }}"></figure>\n')
        self.write("_includes/note.html", '<p class="note">{{ include.kind | upcase }}: {{ include.text }}</p>\n')
        self.write("_includes/nested.html", "[{% include note.html kind=include.kind text='inner' %}]\n")
        self.write("_includes/bad.html", "line one\n{% for x in %}\n")
        self.write("_includes/uses-plugin.html", "a\n{{ 'x' | frobnicate }}\n")
        self.write("_includes/setter.html", "{% assign from_include = 'set' %}\n")
        self.write("docs/page.md", "---\npermalink: /the-page/\n---\nA page.\n")
        self.write("_docs/history.md", "---\ntitle: History\n---\nOld times.\n")
        self.write("_posts/2020-01-02-other.md", "---\ntitle: Other\n---\nThe other post.\n")
        self.write("_posts/snippets/example.txt", "Included {{ page.title }} relative.\n")

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def post(self, name: str, body: str, front: str = "title: A Post") -> str:
        self.write(f"_posts/{name}", f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body)}")
        return f"_posts/{name}"

    @property
    def config(self) -> Config:
        return load_config(self.root / "config.yaml")


@pytest.fixture
def jsite(tmp_path: Path) -> JekyllSite:
    return JekyllSite(tmp_path)


def liquid(jsite: JekyllSite, body: str, front: str = "title: A Post") -> tuple[str, list[Note]]:
    """*body* as a post of *jsite*, its Liquid rendered (no Markdown): the text and the notes."""
    path = jsite.post("2020-03-04-test.md", body, front)
    config = jsite.config
    source = load_one(config, path)
    site = liquid_site(config)
    assert site is not None
    return Liquid(site).render(source.post, source.body, source.post.body_line)


def text(jsite: JekyllSite, body: str, front: str = "title: A Post") -> str:
    return liquid(jsite, body, front)[0].strip()


def html(jsite: JekyllSite, body: str, front: str = "title: A Post") -> str:
    """*body* as a post, through the whole renderer: Liquid, Markdown, sanitizing."""
    path = jsite.post("2020-03-04-test.md", body, front)
    rendered, problems = Renderer(jsite.config).render_paths([path])
    assert not problems, problems
    return rendered[0].html


# --- variables ------------------------------------------------------------------------------------

def test_site_variables_come_from_config_yml_and_data(jsite: JekyllSite) -> None:
    out = text(jsite, "{{ site.title }} | {{ site.description }} | {{ site.baseurl }} | {{ site.url }} | "
                      "{{ site.data.team.members | map: 'name' | join: ', ' }}")
    assert out == "Liquid Test | Posts with Liquid | /blog | https://example.org | Ann, Bo, Cy"


def test_page_variables_are_front_matter_and_what_jekyll_works_out(jsite: JekyllSite) -> None:
    out = text(jsite, "{{ page.title }}|{{ page.url }}|{{ page.date | date: '%Y-%m-%d %H:%M' }}|"
                      "{{ page.tags | join: ',' }}|{{ page.categories | join: ',' }}|{{ page.lead }}|{{ post.title }}|"
                      "{{ page.slug }}|{{ page.path }}",
               front="title: Liquid Post\ndate: 2020-03-04 10:30:00 +0000\ntags: [x, y]\ncategories: [notes]\n"
                     "lead: The lead")
    assert out == ("Liquid Post|/2020/03/04/test/|2020-03-04 10:30|x,y|notes|The lead|Liquid Post|test|"
                   "_posts/2020-03-04-test.md")


def test_undefined_variables_render_as_nothing(jsite: JekyllSite) -> None:
    assert text(jsite, "[{{ nothing }}][{{ page.nope.deeper }}][{{ site.missing | upcase }}]") == "[][][]"


def test_assign_capture_if_for_case(jsite: JekyllSite) -> None:
    out = text(jsite, """\
        {% assign n = 3 %}{% capture greeting %}hi {{ page.title }}{% endcapture %}{{ greeting }}
        {% if n > 2 %}big{% else %}small{% endif %}
        {% for m in site.data.team.members %}{{ forloop.index }}.{{ m.name }} {% endfor %}
        {% case n %}{% when 1 %}one{% when 3 %}three{% else %}other{% endcase %}
        {% unless false %}shown{% endunless %}
        """)
    assert out.split("\n") == ["hi A Post", "big", "1.Ann 2.Bo 3.Cy ", "three", "shown"]


def test_raw_keeps_liquid_as_written(jsite: JekyllSite) -> None:
    assert text(jsite, "{% raw %}{{ page.title }} {% if %}{% endraw %}") == "{{ page.title }} {% if %}"


# --- include and include_relative ------------------------------------------------------------------

def test_include_with_quoted_and_variable_parameters(jsite: JekyllSite) -> None:
    out = text(jsite, """\
        {% include figure.html src="/img/a.png" alt='An "A"' %}
        {% assign kind = "tip" %}{% include note.html kind=kind text=page.lead %}
        """, front="title: T\nlead: Read this")
    assert [line for line in out.split("\n") if line] == [
        '<figure><img src="/blog/img/a.png" alt="An "A""></figure>', '<p class="note">TIP: Read this</p>']


def test_include_with_a_variable_file_name_and_nested_includes(jsite: JekyllSite) -> None:
    out = text(jsite, "{% include {{ page.box }} kind='warn' %}", front="title: T\nbox: nested.html")
    assert out == '[<p class="note">WARN: inner</p>\n]'


def test_include_shares_the_post_s_variables_as_in_jekyll(jsite: JekyllSite) -> None:
    assert text(jsite, "{% include setter.html %}{{ from_include }}") == "set"


def test_include_relative_reads_beside_the_post(jsite: JekyllSite) -> None:
    assert text(jsite, "{% include_relative snippets/example.txt %}") == "Included A Post relative."


@pytest.mark.parametrize("tag", ["{% include ../_config.yml %}", "{% include /etc/passwd %}",
                                 "{% include_relative ../../config.yaml %}"])
def test_includes_never_leave_their_folder(jsite: JekyllSite, tag: str) -> None:
    out, notes = liquid(jsite, tag)
    assert out.strip() == ""
    assert len(notes) == 1 and ("may not leave" in notes[0].message or "missing include" in notes[0].message)


def test_a_missing_include_renders_nothing_and_is_noted_with_its_line(jsite: JekyllSite) -> None:
    out, notes = liquid(jsite, "before\n\n{% include gone.html %}\nafter\n")
    assert out == "before\n\n\nafter\n"
    assert notes == [Note(6, "missing include _includes/gone.html: left out (create the file, or remove the tag)")]


def test_a_syntax_error_in_an_include_names_the_post_line_and_the_include_line(jsite: JekyllSite) -> None:
    with pytest.raises(PostError) as caught:
        liquid(jsite, "one\ntwo\n{% include bad.html %}\n")
    assert caught.value.line == 6
    assert "in _includes/bad.html:2" in caught.value.message


def test_an_include_that_includes_itself_is_an_error_not_a_hang(jsite: JekyllSite) -> None:
    jsite.write("_includes/loop.html", "x{% include loop.html %}")
    with pytest.raises(PostError, match=r"context depth|recursive"):
        liquid(jsite, "{% include loop.html %}")


# --- highlight, link, post_url ---------------------------------------------------------------------

def test_highlight_is_escaped_code_in_a_language_class(jsite: JekyllSite) -> None:
    out = text(jsite, """\
        {% highlight ruby %}
        def fizz(n) = n % 3 == 0 && "<Fizz>"
        # >> 1 2 Fizz
        {% endhighlight %}
        """)
    assert out == ('<pre><code class="language-ruby">def fizz(n) = n % 3 == 0 &amp;&amp; "&lt;Fizz&gt;"\n'
                   "# &gt;&gt; 1 2 Fizz</code></pre>")


def test_highlight_with_linenos_puts_numbers_in_a_column_of_their_own(jsite: JekyllSite) -> None:
    out = text(jsite, "{% highlight c++ linenos %}\nint a;\nint b;\n{% endhighlight %}")
    assert '<td class="gutter"><pre>1\n2</pre></td>' in out
    assert '<td class="code"><pre><code class="language-c--">int a;\nint b;</code></pre></td>' in out


def test_highlight_survives_markdown_whole(jsite: JekyllSite) -> None:
    out = html(jsite, "Code:\n{% highlight python %}\n# not a heading\n\nx = 1  # *not emphasis*\n{% endhighlight %}\n")
    assert '<pre><code class="language-python"># not a heading\n\nx = 1  # *not emphasis*</code></pre>' in out
    assert "<h1>" not in out and "<em>" not in out


def test_highlight_without_a_language_is_a_syntax_error(jsite: JekyllSite) -> None:
    with pytest.raises(PostError, match="name a language"):
        liquid(jsite, "text\n{% highlight %}x{% endhighlight %}")


def test_post_url_and_link_give_the_path_with_baseurl(jsite: JekyllSite) -> None:
    out, notes = liquid(jsite, "{% post_url 2020-01-02-other %} {% link _posts/2020-01-02-other.md %} "
                               "{% link docs/page.md %} {% link _docs/history.md %}")
    assert out == "/blog/2020/01/02/other/ /blog/2020/01/02/other/ /blog/the-page/ /blog/docs/history/"
    assert notes == []


def test_unknown_post_url_and_link_targets_are_noted(jsite: JekyllSite) -> None:
    out, notes = liquid(jsite, "{% post_url 1999-01-01-gone %}\n{% link about/missing.md %}")
    assert out == "\n/blog/about/missing.html"
    assert [note.line for note in notes] == [4, 5]
    assert "post_url 1999-01-01-gone: no post has that name" in notes[0].message
    assert "link about/missing.md: no such file" in notes[1].message


def test_links_made_by_liquid_become_absolute_in_the_html(jsite: JekyllSite) -> None:
    out = html(jsite, '[other]({% post_url 2020-01-02-other %}) ![x]({{ "/img/x.png" | relative_url }})\n')
    assert '<a href="https://example.org/blog/2020/01/02/other/">other</a>' in out
    assert 'src="https://example.org/blog/img/x.png"' in out


# --- filters ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, expected", [
    ('"/about/" | relative_url', "/blog/about/"),
    ('"a b.png" | relative_url', "/blog/a%20b.png"),
    ('"/about/" | absolute_url', "https://example.org/blog/about/"),
    ('"https://x.test/y" | absolute_url', "https://x.test/y"),
    ("page.date | date_to_xmlschema", "2020-03-04T10:30:00+00:00"),
    ("page.date | date_to_rfc822", "Wed, 04 Mar 2020 10:30:00 +0000"),
    ("page.date | date_to_string", "04 Mar 2020"),
    ('page.date | date_to_string: "ordinal", "US"', "Mar 4th, 2020"),
    ('page.date | date_to_string: "ordinal"', "4th Mar 2020"),
    ("page.date | date_to_long_string", "04 March 2020"),
    ('page.date | date: "%b %-d, %Y"', "Mar 4, 2020"),
    ('"Hello, World! Ça va?" | slugify', "hello-world-ça-va"),
    ('"Hello, World!" | slugify: "pretty"', "hello,-world!"),
    ('"Ça va" | slugify: "latin"', "ca-va"),
    ('"The _config.yml file" | slugify: "raw"', "the-_config.yml-file"),
    ("site.data.team.members | first | jsonify", '{"name":"Ann","year":2014}'),
    ("'a & <b> \"q\"' | xml_escape", "a &amp; &lt;b&gt; &quot;q&quot;"),
    ('"foo,bar;baz?" | cgi_escape', "foo%2Cbar%3Bbaz%3F"),
    ('"/my path/é?q=1" | uri_escape', "/my%20path/%C3%A9?q=1"),
    ('site.data.team.members | where: "year", 2014 | map: "name" | join: ","', "Ann,Cy"),
    ('page.tags | where: "x" | size', "0"),
    ('site.data.team.members | where_exp: "m", "m.year > 2014" | map: "name" | join: ","', "Bo"),
    ('site.data.team.members | sort: "name" | reverse | map: "name" | join: ","', "Cy,Bo,Ann"),
    ('site.data.team.members | group_by: "year" | map: "name" | join: ","', "2014,2015"),
    ('site.data.team.members | group_by: "year" | map: "size" | join: ","', "2,1"),
    ('"one two  three" | number_of_words', "3"),
    ('page.tags | array_to_sentence_string', "x, y, and z"),
    ('page.tags | array_to_sentence_string: "or"', "x, y, or z"),
    ('"  a \n\n b  " | normalize_whitespace', "a b"),
    ("page.quote | smartify", "\u2018Quoted\u2019 \u201ctext\u201d \u2013 and \u2014 more\u2026"),
    ('"<p>a <b>b</b></p>" | strip_html', "a b"),
    ('"a,b" | split: "," | push: "c" | join: ""', "abc"),
    ('"3.7" | to_integer | plus: 1', "4"),
    ('"hello" | upcase | append: "!"', "HELLO!"),
    ('nothing | default: "fallback"', "fallback"),
])
def test_filters_work_as_in_jekyll(jsite: JekyllSite, expression: str, expected: str) -> None:
    front = ('title: F\ndate: 2020-03-04 10:30:00 +0000\ntags: [x, y, z]\n'
             'quote: "\'Quoted\' \\"text\\" -- and --- more..."')
    assert text(jsite, "{{ " + expression + " }}", front) == expected


def test_markdownify_first_leaves_the_next_post_in_the_site_s_dialect(jsite: JekyllSite) -> None:
    """markdownify used to build the plain converter when it ran first, and the renderer kept it for every
    post after: a Jekyll site's next post lost kramdown's dialect (here, its smart quotes)."""
    first = jsite.post("2020-03-04-first.md", "{{ page.note | markdownify }}\n", "title: M\nnote: '*x*'")
    second = jsite.post("2020-03-05-second.md", "It's \"quoted\".\n", "title: Q")
    rendered, problems = Renderer(jsite.config).render_paths([first, second])
    assert not problems, problems
    alone, _ = Renderer(jsite.config).render_paths([second])
    assert rendered[1].html == alone[0].html == "<p>It’s “quoted”.</p>"


def test_markdownify_is_the_renderer_s_markdown(jsite: JekyllSite) -> None:
    assert html(jsite, "{{ page.note | markdownify }}\n", front="title: M\nnote: 'Some **bold** text'") == \
        "<p>Some <strong>bold</strong> text</p>"


def test_an_unknown_filter_passes_the_value_through_and_is_noted(jsite: JekyllSite) -> None:
    out, notes = liquid(jsite, "a\n{{ 'kept' | frobnicate: 1 | upcase }}\n{% if false %}{{ x | never_run }}{% endif %}")
    assert out == "a\nKEPT\n"
    assert notes == [Note(5, "unknown filter 'frobnicate': the value is left as it was"),
                     Note(6, "unknown filter 'never_run': the value is left as it was")]


def test_an_unknown_filter_inside_an_include_is_noted_at_the_include(jsite: JekyllSite) -> None:
    _out, notes = liquid(jsite, "x\n{% include uses-plugin.html %}")
    assert notes == [Note(5, "unknown filter 'frobnicate': the value is left as it was "
                             "(in _includes/uses-plugin.html:2)")]


# --- plugin tags ----------------------------------------------------------------------------------

@pytest.mark.parametrize("tag, expected", [
    ("{% gist alice/0a1b2c %}", '<a href="https://gist.github.com/alice/0a1b2c">Gist alice/0a1b2c</a>'),
    ("{% gist alice/0a1b2c app.rb %}",
     '<a href="https://gist.github.com/alice/0a1b2c#file-app-rb">Gist alice/0a1b2c: app.rb</a>'),
    ("{% gist 0a1b2c %}", '<a href="https://gist.github.com/0a1b2c">Gist 0a1b2c</a>'),
    ("{% youtube dQw4w9WgXcQ %}", '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">YouTube video</a>'),
    ('{% youtube "https://youtu.be/dQw4w9WgXcQ" %}', '<a href="https://youtu.be/dQw4w9WgXcQ">YouTube video</a>'),
    ("{% vimeo 76979871 %}", '<a href="https://vimeo.com/76979871">Vimeo video</a>'),
    ("{% tweet https://twitter.com/jekyllrb/status/1 %}", '<a href="https://twitter.com/jekyllrb/status/1">Tweet</a>'),
    ("{% instagram BXgGcAUjM39 %}", '<a href="https://www.instagram.com/p/BXgGcAUjM39/">Instagram post</a>'),
    ("{% twitter jekyllrb maxwidth=500 %}", ""),
    ("{% seo %}", ""),
    ("{% codepen https://codepen.io/a/pen/b %}", '<a href="https://codepen.io/a/pen/b">https://codepen.io/a/pen/b</a>'),
    ("{% gist {{ page.gist }} %}", '<a href="https://gist.github.com/bob/ff00">Gist bob/ff00</a>'),
])
def test_plugin_tags_become_links_or_nothing(jsite: JekyllSite, tag: str, expected: str) -> None:
    out, notes = liquid(jsite, tag, front="title: P\ngist: bob/ff00")
    assert out == expected
    name = tag.split()[1]
    assert len(notes) == 1 and notes[0].line == 5 and f"unknown tag '{name}'" in notes[0].message


def test_an_unknown_block_tag_keeps_what_it_wraps(jsite: JekyllSite) -> None:
    out, notes = liquid(jsite, "{% tabs demo %}\ninside\n{% endtabs %}\n")
    assert out.strip() == "inside"
    assert [(note.line, note.message.split(":")[0]) for note in notes] == [(4, "unknown tag 'tabs' (a plugin's?)")]


# --- errors -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, line, words", [
    ("one\n\n{{ page.title | }}\n", 6, "expected"),
    ("one\n{% if page.title %}\nnever closed\n", 5, "{% if %} is never closed: add {% endif %}"),
    ("one\n{% for x in (1..3) %}\n{% endif %}\n", 6, "endif"),
    ("{% endif %}\n", 4, "unexpected tag 'endif'"),
    ("one\n{% include note.html kind='x' junk %}\n", 5, "invalid parameters 'junk'"),
    ("one\ntwo\n{{ 1 | divided_by: 0 }}\n", 6, "divide"),
    ("{% assign = 3 %}", 4, "Liquid: "),
])
def test_a_liquid_error_names_the_line_in_the_post_file(jsite: JekyllSite, body: str, line: int, words: str) -> None:
    with pytest.raises(PostError) as caught:
        liquid(jsite, body)
    assert caught.value.path == "_posts/2020-03-04-test.md"
    assert caught.value.line == line
    assert caught.value.message.startswith("Liquid: ") and words in caught.value.message


@pytest.mark.parametrize("body, words", [
    ("{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}", "loop iteration limit"),
    ("{% for a in (1..200000) %}" + "x" * 40 + "{% endfor %}", "output stream limit"),
    ("{% highlight x %}{% for a in (1..200000) %}" + "x" * 40 + "{% endfor %}{% endhighlight %}",
     "output stream limit"),
    ("{% capture a %}x{% endcapture %}" + "{% capture a %}{{ a }}{{ a }}{% endcapture %}" * 30, "output stream limit"),
])
def test_a_post_cannot_make_liquid_run_away(jsite: JekyllSite, body: str, words: str) -> None:
    with pytest.raises(PostError, match=words):
        liquid(jsite, body)


def test_render_with_liquid_false_keeps_the_braces(jsite: JekyllSite) -> None:
    out = html(jsite, "Keep {{ this }} and {% that %}.\n", front="title: T\nrender_with_liquid: false")
    assert out == "<p>Keep {{ this }} and {% that %}.</p>"


def test_liquid_runs_only_on_jekyll_sites(site) -> None:  # type: ignore[no-untyped-def]
    site.post("2020-01-01-jinja.md", "title: About Jinja", "Write {{ name }} and {% if x %}.\n")
    rendered, problems = Renderer(site.config).render_paths(["2020-01-01-jinja.md"])
    assert not problems and rendered[0].html == "<p>Write {{ name }} and {% if x %}.</p>"


def test_a_post_without_liquid_does_not_load_the_engine(jsite: JekyllSite) -> None:
    """The fast path: python-liquid (~180 ms to import) is loaded only for a post that has Liquid."""
    jsite.post("2020-05-05-plain.md", "Just *Markdown*.\n")
    jsite.post("2020-05-06-liquid.md", "{{ page.title }}\n")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from feeder.config import load_config
        from feeder.posts.render import Renderer
        renderer = Renderer(load_config(Path({str(jsite.root / 'config.yaml')!r})))
        print(renderer.render_paths(["_posts/2020-05-05-plain.md"])[0][0].html, "liquid" in sys.modules)
        print(renderer.render_paths(["_posts/2020-05-06-liquid.md"])[0][0].html, "liquid" in sys.modules)
        """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["<p>Just <em>Markdown</em>.</p> False", "<p>A Post</p> True"]


def test_forked_render_workers_render_liquid_as_one_process_does(jsite: JekyllSite) -> None:
    paths = [jsite.post(f"2020-{month:02d}-{day:02d}-p.md", "{% include note.html kind='n' text=page.title %} "
                        "[next]({% post_url 2020-01-02-other %})\n", front=f"title: Post {month}-{day}")
             for month in (6, 7) for day in range(1, 21)]  # 40: more than a batch worth forking for
    config = jsite.config
    sources = [load_one(config, path) for path in paths]
    alone, problems = Renderer(config).render_all(sources)
    forked, forked_problems = Renderer(config, workers=2).render_all(sources)
    assert not problems and not forked_problems
    assert [r.html for r in forked] == [r.html for r in alone]
    assert '<p class="note">N: Post 7-20</p>' in alone[-1].html and "/blog/2020/01/02/other/" in alone[-1].html


def test_post_key_is_the_name_under_posts() -> None:
    assert post_key("_posts/2020-01-02-a.md") == "2020-01-02-a"
    assert post_key("blog/_posts/sub/2020-01-02-a.markdown") == "sub/2020-01-02-a"


# --- the CLI ----------------------------------------------------------------------------------------

def test_check_lists_each_unknown_construct_with_its_line_and_exits_0(jsite: JekyllSite, cli) -> None:  # type: ignore[no-untyped-def]
    jsite.post("2020-02-01-plugins.md", """\
        Intro.

        {% gist alice/0a1b2c %}
        {{ "x" | frobnicate }}
        {% include gone.html %}
        {% youtube dQw4w9WgXcQ %}
        """)
    result = cli("check", "--config", jsite.root / "config.yaml", "--now", NOW)
    assert result.exit_code == 0, result.output
    warnings = [line.split(": ", 1)[1] for line in result.stderr.splitlines()]
    assert [w.split(" (")[0].split(":")[0:3] for w in warnings] == [
        [f"{jsite.root}/_posts/2020-02-01-plugins.md", "6", " unknown tag 'gist'"],
        [f"{jsite.root}/_posts/2020-02-01-plugins.md", "7", " unknown filter 'frobnicate'"],
        [f"{jsite.root}/_posts/2020-02-01-plugins.md", "8", " missing include _includes/gone.html"],
        [f"{jsite.root}/_posts/2020-02-01-plugins.md", "9", " unknown tag 'youtube'"],
    ]
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines())
    assert "4 warnings" in result.stdout


def test_a_syntax_error_fails_that_post_only(jsite: JekyllSite, cli, read_feed) -> None:  # type: ignore[no-untyped-def]
    jsite.post("2020-02-01-good.md", "Hello from {{ site.title }}.\n", front="title: Good")
    jsite.post("2020-02-02-bad.md", "Line one.\n\n{% for x in site.data %}\nnever closed\n", front="title: Bad")
    config = jsite.root / "config.yaml"
    checked = cli("check", "--config", config, "--now", NOW)
    assert checked.exit_code == 1
    expected = f"{jsite.root}/_posts/2020-02-02-bad.md:6: Liquid: {{% for %}} is never closed"
    assert expected in checked.stderr
    published = cli("publish", "--config", config, "--now", NOW)
    assert published.exit_code == 1 and expected in published.stderr
    feed = read_feed(jsite.root / "public" / "atom.xml")
    titles = {entry.title: entry for entry in feed.entries}
    assert "Bad" not in titles
    assert titles["Good"].content[0].value == "<p>Hello from Liquid Test.</p>"


# --- the fixture Jekyll site ------------------------------------------------------------------------

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "jekyll-site"
FIXTURE_NOW = "2025-01-01T00:00:00Z"
PLUGINS_POST = "_posts/2024-01-11-liquid-plugins.md"


def test_check_on_the_fixture_site_lists_exactly_its_unknown_constructs(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(FIXTURE, tmp_path / "site")
    result = cli("check", "--config", tmp_path / "site" / "config.yaml", "--now", FIXTURE_NOW)
    assert result.exit_code == 0, result.output
    prefix = f"warning: {tmp_path / 'site'}/"
    liquid = [line.removeprefix(prefix).split(" (")[0].split(": ", 1) for line in result.stderr.splitlines()
              if "unknown " in line or "missing include" in line or "post_url" in line or "link " in line]
    assert liquid == [
        [f"{PLUGINS_POST}:6", "unknown tag 'gist'"],
        [f"{PLUGINS_POST}:8", "unknown tag 'youtube'"],
        [f"{PLUGINS_POST}:10", "unknown tag 'tweet'"],
        [f"{PLUGINS_POST}:12", "unknown filter 'emojify': the value is left as it was"],
        [f"{PLUGINS_POST}:14", "missing include _includes/liquid-missing.html: left out"],
        [f"{PLUGINS_POST}:16", "unknown tag 'seo'"],
    ]


def test_the_fixture_site_s_feeds_carry_no_raw_liquid(tmp_path: Path, cli, read_feed) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(FIXTURE, tmp_path / "site")
    result = cli("publish", "--config", tmp_path / "site" / "config.yaml", "--now", FIXTURE_NOW)
    assert result.exit_code == 0, result.output
    feed = read_feed(tmp_path / "site" / "public" / "atom.xml")
    entries = {entry.title: entry.content[0].value for entry in feed.entries}
    tour = entries["A tour of Liquid in a post"]
    for expected in ('<strong>Tip:</strong> Includes take parameters', 'alt="The quay &amp; its cranes"',
                     "Built by 3 people for A tour of Liquid in a post.", '<code class="language-ruby">',
                     '"Hello, #{name} &lt;3"', "# &gt;&gt; not a heading", "Writers: Tomas and Ines.",
                     "Since 2019: Mirei, Ines.", "<li>Writer: 2</li>", "Two tags: liquid and templates.",
                     "Fish &amp; &lt;Chips&gt;", "<p>A paragraph made by <strong>markdownify</strong>.</p>",
                     "Written as is: {{ page.title }} and {% include x.html %}."):
        assert expected in tour, expected
    plugins = entries["What only plugins know"]
    assert '<a href="https://gist.github.com/octocat/5a0c7e2d1b#file-plot-py">' in plugins
    assert '<a href="https://www.youtube.com/watch?v=M7lc1UVf-VE">YouTube video</a>' in plugins
    embeds = entries["Embedded players and gists"]
    assert '<a href="https://www.google.com/maps/embed?pb=!1m14!1m12">Map</a>' in embeds
    assert entries["Teaching Liquid syntax"] == ("<p>Write <code>{{ page.title }}</code> to show the title, and "
                                                  "<code>{% include note.html %}</code> to include a file.</p>")
    for title, content in entries.items():
        if title not in ("A tour of Liquid in a post", "Teaching Liquid syntax"):
            assert "{{" not in content and "{%" not in content, title


def test_editing_an_include_republishes_the_posts_that_use_it(jsite: JekyllSite, cli, read_feed) -> None:  # type: ignore[no-untyped-def]
    jsite.post("2020-02-01-noted.md", "{% include note.html kind='tip' text='first' %}\n", front="title: Noted")
    config = jsite.root / "config.yaml"
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    jsite.write("_includes/note.html", '<p class="note">{{ include.kind }} (edited): {{ include.text }}</p>\n')
    assert cli("publish", "--config", config, "--now", NOW).exit_code == 0
    entries = {e.title: e.content[0].value for e in read_feed(jsite.root / "public" / "atom.xml").entries}
    assert entries["Noted"] == '<p class="note">tip (edited): first</p>'
