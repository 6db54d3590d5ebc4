r"""A model card as Markdown: its sections (:mod:`~driftline.registry.card_sections`) written out.

Text people typed is escaped, so a ``|`` or a ``<script>`` cannot break a table or the page a
Markdown viewer makes of it.

Examples:
    >>> from driftline.registry.card_sections import Fields, Grid, Section
    >>> text = markdown("Model card: m:1", [Section("Model", [Fields([("by", "a|b")])]),
    ...                                     Section("Runs", [Grid("", ["run"], [["<r>"]])])])
    >>> print(text)
    # Model card: m:1
    <BLANKLINE>
    ## Model
    <BLANKLINE>
    - **by**: a\|b
    <BLANKLINE>
    ## Runs
    <BLANKLINE>
    | run |
    |---|
    | \<r\> |
    <BLANKLINE>

"""

from __future__ import annotations

from collections.abc import Sequence

from driftline.registry.card_sections import Block, Fields, Section

__all__ = ["markdown"]


def markdown(title: str, sections: Sequence[Section]) -> str:
    """The page: ``title`` as the heading, then every section with its blocks."""
    out = [f"# {_md(title)}", ""]
    for section in sections:
        out += [f"## {_md(section.title)}", ""]
        for block in section.blocks:
            out += [*_markdown_block(block), ""]
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown line or table cell."""
    out = " ".join(text.split())
    for ch in "\\`*_[]<>|":
        out = out.replace(ch, "\\" + ch)
    return out


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, str):
        return [_md(block)]
    if isinstance(block, Fields):
        return [f"- **{_md(k)}**: {_md(v)}" for k, v in block.rows]
    lines = [f"**{_md(block.caption)}**", ""] if block.caption else []
    lines.append("| " + " | ".join(_md(h) for h in block.header) + " |")
    lines.append("|" + "|".join("---" for _ in block.header) + "|")
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in block.rows]
    return lines
