"""The sub-commands on a whole CRM: ``closed-loop`` and ``report``.

Each handler's docstring is its sub-command's ``--help`` (see ``_parser._Commands.add``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from ..errors import MissingColumnError
from ..report._read import not_measured_of, summary_of
from ._commands import _emit, _read_files, _source, _write_or_print
from ._common import say
from ._inputs import Inputs, UsageError, _names

#: the closed loop's default keys (those the leads have), as in the report
_CLOSED_LOOP_BY = ("source", "campaign", "persona")


def _keys(given: str | None, columns: Sequence[str]) -> list[str]:
    """``--by``: the columns given, else the default keys the leads have."""
    if given is not None:
        return [c.strip() for c in given.split(",") if c.strip()]
    keys = [c for c in _CLOSED_LOOP_BY if c in columns]
    if not keys:
        raise MissingColumnError(
            f"closed-loop groups by {', '.join(_CLOSED_LOOP_BY)} (those the leads have), and "
            f"the leads have none of them; their columns: {', '.join(columns) or '(none)'}",
            table="leads",
            fix="name the lead columns to group by with --by (e.g. --by region), or add a "
            "source column",
        )
    return keys


def _cmd_closed_loop(args: argparse.Namespace) -> int:
    """leads, acceptance, won deals, revenue and cost per source and campaign

    Closed-loop report: per key (source, campaign, persona …) the leads, MQLs, accepted and
    rejected leads, SQLs, won deals, revenue, cost and ROI; then the duplicate and incomplete
    leads. LEADS is a leads file with --deals (lead_id, amount, won) and --costs, or with
    --preset the CRM export's folder.
    """
    from ..closed_loop import closed_loop

    inputs, crm = _source(args, args.leads)
    if crm is not None:
        if args.deals or args.costs:
            raise UsageError("--deals and --costs come from the export with --preset")
        by = _keys(args.by, list(crm.leads))
        report = closed_loop(crm, by=by, allocate=args.allocate)
    else:
        files = {"leads": args.leads, "deals": args.deals, "costs": args.costs}
        t = _read_files(inputs, files, args.leads)
        by = _keys(args.by, _names(t["leads"]))
        report = closed_loop(
            t["leads"], deals=t["deals"], costs=t["costs"], by=by, allocate=args.allocate
        )
    table = report.table.to_frame("dict")
    _write_or_print(
        args.out,
        table,
        "closed loop",
        progress=inputs.progress,
        pct=("acceptance_rate", "sql_rate", "win_rate"),
        money=("revenue", "cost", "cost_per_lead"),
        ratio=("roi",),
        max_rows=None,
        na=not_measured_of(report),
        notes=("note",),
    )
    _quality(inputs, report, printed=not args.out)
    return 0


def _quality(inputs: Inputs, report: Any, *, printed: bool) -> None:
    """The data-quality line of a closed-loop report: under the table printed, else on stderr
    whatever ``-q`` says (standard output may be the table's CSV)."""
    s = summary_of(report)
    line = (
        f"data quality: {s['n_duplicates']:,} duplicate and {s['n_incomplete']:,} "
        f"incomplete leads of {s['n_leads']:,}"
    )
    if printed:
        _emit(f"  {line}")
    else:
        say(line)


def _cmd_report(args: argparse.Namespace) -> int:
    """the HTML report of a CRM: funnel, scoring, attribution, SLA, closed loop

    Read a CRM export (--preset salesforce|hubspot, the folder of its files) or a folder of our
    tables (leads.csv, touchpoints.csv, deals.csv, deal_contacts.csv, activities.csv,
    costs.csv), run the demo's analyses on it and write one self-contained HTML file.
    """
    from ..report import write_report

    inputs, crm = _source(args, args.source)
    if crm is None:
        crm = inputs.own_bundle(args.source)
    options = {
        "sla": args.sla,
        "as_of": args.as_of,
        "allocate": args.allocate,
        "title": args.title,
    }
    if args.models:
        options["models"] = list(dict.fromkeys(args.models))
    with inputs.progress.step(f"writing the report to {args.out}"):
        write_report(crm, args.out, **options)
    _emit(f"Report: {os.path.abspath(args.out)} ({crm.n_leads:,} persons; open it in a browser)")
    return 0
