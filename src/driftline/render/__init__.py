"""One way to write an HTML report: Jinja2 templates on one base layout and one stylesheet.

Every report driftline writes (the drift report, the backtest report, the model card, the demo's
story) extends ``base.html`` and carries the same stylesheet inline, so a page is one file that
opens anywhere, offline, with no script. Values are HTML-escaped by the templates (autoescape is
on); pieces built in Python (inline SVG plots) are :class:`markupsafe.Markup` built with
:func:`~driftline.render.svg.element`, which escapes too.

Importing this package is cheap; Jinja2 loads on the first render.

======================================  ==========================================================
:func:`render_html`                     a template (by name) and its values -> the page
:func:`stylesheet`                      the one stylesheet every page carries inline
:class:`Cell`, :class:`Row`             a table cell or row with a CSS class (the ``table`` macro)
:mod:`driftline.render.svg`             inline SVG: ``element``, ``svg``, ``Frame``, ``points``
:mod:`driftline.render.numbers`         number formats (also the templates' filters)
======================================  ==========================================================

Examples:
    >>> from driftline.render import render_html
    >>> page = render_html("page.html", title="<Hello>", body="a & b")
    >>> page.startswith("<!DOCTYPE html>"), "<title>&lt;Hello&gt;</title>" in page
    (True, True)
    >>> "<p>a &amp; b</p>" in page
    True

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftline.core.lazy import lazy_attributes

__all__ = ["Cell", "Row", "render_html", "stylesheet"]

_LAZY = {
    "Cell": "driftline.render.table",
    "Row": "driftline.render.table",
    "render_html": "driftline.render.page",
    "stylesheet": "driftline.render.page",
}

if TYPE_CHECKING:
    from driftline.render.page import render_html, stylesheet
    from driftline.render.table import Cell, Row

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
