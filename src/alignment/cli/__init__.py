"""The ``alignment`` command: the demo, and the engines on files or on a CRM's export.

::

    alignment demo [--leads N] [--seed S] [--out report.html]
    alignment report EXPORT --preset salesforce --tz America/New_York --out review.html
    alignment attribute TOUCHES.csv [--conversions CONV.csv] --model time_decay --half-life 7d
    alignment score LEADS.csv [--touchpoints TOUCHES.csv] [--scorer grid] [--rules RULES.toml]
    alignment funnel plan --target 100000 --deal-size 1000 --rate lead=0.04
    alignment funnel observe LEADS.csv [--by source]
    alignment sla AGREEMENT.toml --leads LEADS.csv --activities ACTIVITIES.csv --as-of 2024-04-01
    alignment closed-loop LEADS.csv [--deals DEALS.csv] [--costs COSTS.csv] [--by source]
    alignment plugins

Every command that reads data takes ``--preset salesforce|hubspot`` (its input is then the
export's folder, read by :func:`alignment.io.read_crm`, with ``--tz``, ``--dayfirst`` …) and
``--map [TABLE.]THEIRS=OURS``.  CSV (``.csv``, ``.tsv``, ``.gz``) and Parquet files are read by
PyArrow's readers (``pip install pyarrow``; no pandas needed), behind the library's dataframe
boundary (:mod:`alignment._files`).  Bad input ends the command with a one-line message on
stderr and exit status 1 (``--debug`` shows the traceback); usage errors exit with status 2.
See ``docs/cli.md``.
"""

from ._main import main, read_columns, write_columns

__all__ = ["main", "read_columns", "write_columns"]
