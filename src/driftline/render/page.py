"""Render a template to a page: one Jinja2 environment, autoescape on, undefined names refused.

Templates are package data of :mod:`driftline.render` (``templates/``): ``base.html`` (the
layout every report extends: the stylesheet inline, the title as ``<h1>``, a ``content``
block), ``macros.html`` (``table``, ``fields``), and one template per report. ``folders``
puts more folders first on the search path, so a report kept elsewhere (an example, a user's
own) can extend ``base.html`` too.

Examples:
    >>> page = render_html("page.html", title="Hi", body="<b>")
    >>> "<p>&lt;b&gt;</p>" in page, stylesheet() in page
    (True, True)
    >>> render_html("page.html")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: template 'page.html': 'title' is undefined

"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from driftline.core.errors import InputError

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["STYLESHEET", "render_html", "stylesheet"]

STYLESHEET = "report.css"
"""The stylesheet's file name among the templates."""


def render_html(template: str, /, *, folders: Sequence[str | Path] = (), **context: object) -> str:
    """The page ``template`` renders with ``context`` (every value escaped unless Markup).

    Raises:
        InputError: no template has that name, or the template uses a value not given.

    """
    from jinja2 import TemplateNotFound, UndefinedError

    env = _environment(tuple(str(f) for f in folders))
    try:
        return env.get_template(template).render(context)
    except TemplateNotFound as exc:
        raise InputError(f"no report template {exc.name!r}") from None
    except UndefinedError as exc:
        raise InputError(f"template {template!r}: {exc.message}") from None


@functools.cache
def stylesheet() -> str:
    """The one stylesheet of every report (each page carries it inline, in ``<style>``).

    Examples:
        >>> "table" in stylesheet()
        True

    """
    return (resources.files(__package__) / "templates" / STYLESHEET).read_text(encoding="utf-8")


@functools.cache
def _environment(folders: tuple[str, ...]) -> Environment:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
    from markupsafe import Markup

    from driftline.render.numbers import FILTERS

    loader = ChoiceLoader(
        [*(FileSystemLoader(f) for f in folders), PackageLoader(__package__, "templates")]
    )
    env = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.globals["stylesheet"] = Markup(stylesheet())
    return env
