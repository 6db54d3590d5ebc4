"""A model card as one self-contained HTML page, through the ``card.html`` template.

The page extends the layout of every report (:mod:`driftline.render`): the one stylesheet
inline, no script, no external file. Its sections are those of the Markdown
(:mod:`~driftline.registry.card_sections`): a paragraph is ``<p>``, key/value lines a ``<dl>``,
a table a ``<table>``; everything people typed is escaped.

Examples:
    >>> from driftline.registry.card_sections import Fields, Section
    >>> page = html("Model card: m:1", [Section("Model", ["<b>", Fields([("by", "ana")])])])
    >>> "<p>&lt;b&gt;</p>" in page, "<dt>by</dt><dd>ana</dd>" in page
    (True, True)

"""

from __future__ import annotations

from collections.abc import Sequence

from driftline.registry.card_sections import Section

__all__ = ["html"]


def html(title: str, sections: Sequence[Section]) -> str:
    """The page: ``title`` as the heading, then every section with its blocks."""
    from driftline.render import render_html

    return render_html("card.html", title=title, sections=sections)
