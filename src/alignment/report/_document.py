"""The report document: the HTML text, which a notebook shows inline."""

from __future__ import annotations

import html

__all__ = ["Report"]

#: height of the inline view in a notebook (the report scrolls inside it)
_FRAME_HEIGHT = 720


class Report(str):
    """The HTML document of :func:`~alignment.report.build_report`: a ``str`` in every way
    (write it, search it, slice it), which a notebook displays as the rendered page.

    ``_repr_html_`` embeds the page in a sandboxed ``<iframe srcdoc=...>`` (its stylesheet
    stays inside; the page has no script), and ``repr()`` is one line (its size) rather than
    the whole document.  ``str(report)`` is the plain text.

    Examples
    --------
    >>> from alignment.report import Report
    >>> r = Report("<!DOCTYPE html><html><body><p>x &amp; y</p></body></html>")
    >>> r.startswith("<!DOCTYPE html>"), type(str(r)) is str
    (True, True)
    >>> r._repr_html_().startswith("<iframe")
    True
    >>> r
    Report(HTML document, 57 characters)
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        """The page in a sandboxed iframe (``srcdoc``: the document, escaped)."""
        doc = html.escape(str(self), quote=True)
        return (
            f'<iframe srcdoc="{doc}" sandbox="" title="alignment report" '
            f'style="width: 100%; height: {_FRAME_HEIGHT}px; border: 1px solid #d8dee4">'
            "</iframe>"
        )

    def __repr__(self) -> str:
        return f"Report(HTML document, {len(self):,} characters)"
