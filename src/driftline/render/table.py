"""Table cells and rows that carry a CSS class, for the ``table`` macro of ``macros.html``.

A plain value is a cell as it is; a :class:`Cell` adds a class (``num`` right-aligns a number);
a :class:`Row` gives its row a class (``drifted``, ``policy``). Text is escaped by the template,
:class:`markupsafe.Markup` is written as it is.

Examples:
    >>> from driftline.render import render_html
    >>> rows = [Row(["a", Cell("1,000", "num")], css="drifted"), ["<b>", 2]]
    >>> page = render_html("page.html", title="t", header=["name", "n"], rows=rows)
    >>> '<tr class="drifted"><td>a</td><td class="num">1,000</td></tr>' in page
    True
    >>> "<tr><td>&lt;b&gt;</td><td>2</td></tr>" in page
    True

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Cell", "Row"]


@dataclass(frozen=True)
class Cell:
    """A table cell with a CSS class.

    Examples:
        >>> Cell(0.5, "num").css
        'num'

    """

    text: object
    css: str = ""


@dataclass(frozen=True)
class Row:
    """A table row with a CSS class.

    Examples:
        >>> len(Row(["a", "b"], css="policy").cells)
        2

    """

    cells: Sequence[object]
    css: str = ""
