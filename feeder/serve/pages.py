"""The pages ``feeder serve`` shows, in the site's language, from templates a site may override.

The defaults ship in ``templates/serve/`` (inside the package, like the digest's); a
site that sets ``serve.templates`` to a folder has each file there win over the
shipped one of the same name, so it can restyle ``base.html`` alone, or reword one
page.  Words come from :data:`feeder.i18n.WORDS`, picked by ``site.language``, as the
digest picks them.  Autoescaping is on for every page: an address or a name typed
into the form is shown as text, never as markup.

Every page is rendered once with sample values when the server starts
(:meth:`Pages.check`), so a syntax error or an unknown name in an override stops
``feeder serve`` at start with the file and line, not a reader at a 500 later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from feeder.config import Site
from feeder.errors import ConfigError
from feeder.i18n import direction, primary, words

# Each page and what it is for; error.html takes a `problem` (its key in PROBLEMS).
PAGES = ("subscribed.html", "confirm.html", "confirmed.html", "unsubscribe.html", "unsubscribed.html", "error.html")
PROBLEMS = {"bad_link": 400, "gone": 404, "bad_address": 400, "busy": 429, "mail_failed": 503, "unavailable": 503,
            "not_found": 404}
_SAMPLE_ADDRESS = "reader@example.com"


class Pages:
    """The compiled page templates and what every page is rendered with."""

    def __init__(self, site: Site, *, public_url: str, override: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override is not None:
            if not override.is_dir():
                raise ConfigError(f"serve.templates: {override} is not a folder")
            loaders.append(jinja2.FileSystemLoader(override))
        loaders.append(jinja2.PackageLoader("feeder", "templates/serve"))
        # auto_reload off: templates are read once (restart to see an edit), not stat'ed on every request
        self._env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True, auto_reload=False,
                                       undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.public_url = public_url
        lang = site.language
        self.words = words(lang)
        self._context: dict[str, Any] = {"site": site, "lang": lang, "lang_primary": primary(lang),
                                         "dir": direction(lang), "t": self.words,
                                         "public_url": public_url, "subscribe_url": public_url + "subscribe"}

    def render(self, name: str, *, address: str = "", **context: Any) -> str:
        """Page *name* (one of :data:`PAGES`) for *address* (shown as text)."""
        return self._env.get_template(name).render({**self._context, "address": address, **context})

    def problem(self, problem: str, *, address: str = "") -> tuple[int, str]:
        """The status and page for *problem*, one of :data:`PROBLEMS`."""
        return PROBLEMS[problem], self.render("error.html", address=address, problem=problem)

    def check(self) -> None:
        """Render every page once with sample values; raise ConfigError naming the template and line."""
        try:
            for name in PAGES:
                if name == "error.html":
                    for problem in PROBLEMS:
                        self.problem(problem, address=_SAMPLE_ADDRESS)
                else:
                    self.render(name, address=_SAMPLE_ADDRESS)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise ConfigError(f"serve.templates: no template {exc.name!r}") from None
        except (jinja2.UndefinedError, KeyError, IndexError, AttributeError) as exc:
            raise ConfigError(f"serve.templates: a page uses an unknown value: {exc}") from None
