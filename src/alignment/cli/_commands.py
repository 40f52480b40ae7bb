"""The sub-commands that run one engine on files: attribute, score, funnel, sla, plugins.

Each handler's docstring is its sub-command's ``--help`` (see ``_parser._Commands.add``): the
first line the one-line help of the command list, the rest the description.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._display import na_caption
from ..errors import reject_rows
from ._args import _key_values, _load_config, _rates, set_once
from ._common import CLIError, Progress, WarningPrinter, not_a_file, say
from ._hints import FLAGS, cli_hint
from ._inputs import Inputs, UsageError
from ._io import TABLE_FILES, file_kind, write_columns
from ._text import _is_missing, sla_summary_text, text_table


def _progress(args: argparse.Namespace) -> Progress:
    return Progress(not getattr(args, "quiet", False))


def _read_files(inputs: Inputs, files: Mapping[str, str | None], label: str) -> dict[str, Any]:
    """Our tables from their files (``None``: not given), each named by ``--map``."""
    with inputs.progress.step(f"reading {label}"):
        out = {table: inputs.read(path, table) if path else None for table, path in files.items()}
    inputs.check_used()
    return out


def _source(args: argparse.Namespace, path: str) -> tuple[Inputs, Any]:
    """The inputs of a command, and the CRM export in ``path`` when ``--preset`` is given."""
    inputs = Inputs(args, _progress(args))
    return inputs, (inputs.bundle(path) if inputs.preset else None)


def _emit(text: str, *, aside: bool = False) -> None:
    """Print ``text`` on stdout, or on stderr when ``aside`` (standard output holds a table's
    CSV: ``--out -``)."""
    if aside:
        say(text)
    else:
        print(text, flush=True)


def _one_stdout(args: argparse.Namespace, *dests: str) -> bool:
    """Whether one of the output options ``dests`` is ``-`` (CSV on standard output); two of
    them are refused (two tables in one CSV stream)."""
    given = [f"--{d.replace('_', '-')}" for d in dests if getattr(args, d, None) == "-"]
    if len(given) > 1:
        raise UsageError(
            f"{' and '.join(given)} both write to standard output (-): one table goes there; "
            "write the others to files"
        )
    return bool(given)


def _wrote(progress: Progress, title: str, path: str) -> None:
    """Say that a table was written to a file (progress: ``-q`` silences it)."""
    if path != "-":
        progress.note(f"wrote {title} to {path}")


def _write_or_print(
    out: str | None,
    columns: Mapping[str, Any],
    title: str,
    *,
    progress: Progress,
    notes: tuple[str, ...] = (),
    **fmt: Any,
) -> None:
    """Write the table to ``out`` (``progress`` says so), or print it.

    The table is data, printed as it is; only the library's own words in it, the columns
    ``notes`` and the notes of its ``n/a`` cells (``na``), are put in the command line's words
    (:func:`~alignment.cli._hints.cli_hint`, which leaves quoted names as they are).
    """
    if out:
        write_columns(out, columns, table=title)
        _wrote(progress, title, out)
        reasons = _na_reasons(columns, fmt.get("na") or {})
        if reasons:
            say(f"{title}: {na_caption({k: cli_hint(v) for k, v in reasons.items()})}")
        return
    shown = dict(columns)
    for name in notes:  # a loop over the note columns
        if name in shown:
            texts = [v if v is None else cli_hint(str(v)) for v in np.asarray(shown[name]).tolist()]
            shown[name] = np.array(texts, dtype=object)
    if fmt.get("na"):
        fmt["na"] = {k: cli_hint(v) for k, v in fmt["na"].items()}
    _emit(text_table(shown, **fmt))


def _na_reasons(columns: Mapping[str, Any], na: Mapping[str, str]) -> dict[str, str]:
    """The reasons ``na`` gives for the columns that have a missing cell (a table written to a
    file holds its ``n/a`` cells as empty, without them)."""
    return {
        name: why
        for name, why in na.items()
        if name in columns and any(map(_is_missing, np.asarray(columns[name]).tolist()))
    }


def _cmd_funnel_help(args: argparse.Namespace) -> int:
    """plan from a revenue target, or observe a funnel

    Funnel planning (reverse waterfall) and observed conversion.
    """
    args.funnel_parser.print_help()
    return 0


#: attribute's column options (dest) and their defaults
_COLUMNS = {
    "lead_col": "lead_id",
    "time_col": "timestamp",
    "channel_col": "channel",
    "converted_at_col": "converted_at",
    "revenue_col": "revenue",
}


#: attribute's keywords its options and files set (never a --param's)
_OWN_KEYWORDS = ["touchpoints", "conversions", "leads", "model", "lookback", "lead", "time",
                 "channel", "converted_at", "revenue", "won_stages"]  # fmt: skip


def _refuse_own_options(params: Mapping[str, Any], names: list[str]) -> None:
    """Refuse a ``--param`` naming what an option of the command sets (``--param lookback=``):
    the option's value and the parameter's would both be given, one dropped."""
    for key in params:  # a loop over the --param names
        if key in names:
            option = FLAGS.get(key, f"--{key.replace('_', '-')}")
            raise UsageError(f"--param {key!r} is set by {option}; give it with {option}")


def _cmd_attribute(args: argparse.Namespace) -> int:
    """credit converted revenue to channels (or campaigns …)

    Attribute revenue to touches and roll it up by a key. TOUCHES has one row per touch
    (lead_id, timestamp, channel …); conversions (lead_id, converted_at, revenue) come from
    --conversions or from columns on the touch rows.
    """
    from ..attribution import attribute

    models = list(dict.fromkeys(args.models or ["linear"]))
    params = _key_values(args.param, "--param")
    if args.half_life is not None:
        if "time_decay" not in models:
            raise UsageError("--half-life applies to --model time_decay (use --param for others)")
        set_once(
            params, "half_life", args.half_life, "parameter {key}, by --half-life and --param,"
        )
    _refuse_own_options(params, _OWN_KEYWORDS)
    if args.level == "touch" and len(models) > 1:
        raise UsageError("--level touch takes one --model")
    inputs, crm = _source(args, args.touchpoints)
    if crm is not None:
        if args.conversions or args.leads:
            raise UsageError("--conversions and --leads come from the export with --preset")
        renamed = [f"--{d.replace('_', '-')}" for d, v in _COLUMNS.items() if getattr(args, d) != v]
        if renamed:
            raise UsageError(
                f"{', '.join(renamed)} name(s) columns of plain files; with --preset, name the "
                "export's columns with --map [TABLE.]THEIRS=OURS"
            )
        data: dict[str, Any] = {"touchpoints": crm}
        columns: dict[str, Any] = {}
    else:
        files = {"touchpoints": args.touchpoints, "conversions": args.conversions}
        data = _read_files(inputs, {**files, "leads": args.leads}, args.touchpoints)
        columns = dict(
            lead=args.lead_col, time=args.time_col, channel=args.channel_col,
            converted_at=args.converted_at_col, revenue=args.revenue_col,
            won_stages=args.won_stages,
        )  # fmt: skip
    results = {}
    for name in models:
        model_params = dict(params)
        if args.half_life is not None and name != "time_decay":
            model_params.pop("half_life")  # --half-life is time_decay's, not the others'
        with inputs.progress.step(f"attributing with {name}"):
            results[name] = attribute(
                **data, model=name, lookback=args.lookback, **columns, **model_params
            )
    prog = inputs.progress
    if args.level == "touch":
        (res,) = results.values()
        _write_or_print(
            args.out, res.to_frame(level="touch", backend="dict"), "touch credit", progress=prog
        )
        _reconcile(res)
        return 0
    if len(results) == 1:
        (res,) = results.values()
        table = res.to_frame(level=args.by, backend="dict")
        _write_or_print(
            args.out, table, "attribution", progress=prog, pct=("share",), money=("revenue", "cost")
        )
    else:
        totals = {name: r.totals(by=args.by) for name, r in results.items()}
        keys = sorted(set().union(*totals.values()))
        table = {args.by: np.array(keys, dtype=object)}
        for name, t in totals.items():
            table[name] = np.array([t.get(k, 0.0) for k in keys])
        _write_or_print(args.out, table, "attribution", progress=prog, money=tuple(results))
    _reconcile(next(iter(results.values())))
    return 0


def _reconcile(result: Any) -> None:
    """The reconciliation of an attribution on stderr, whatever ``-q`` says (no table holds
    it): the revenue converted, attributed and unattributed, the last by reason."""
    un = result.unattributed
    why = ", ".join(f"{reason} {value:,.2f}" for reason, value in un.by_reason().items() if value)
    say(
        f"revenue {float(result.converted_revenue):,.2f} converted; "
        f"{result.attributed_revenue:,.2f} attributed, {un.total:,.2f} unattributed"
        + (f" ({why})" if why else "")
    )


def _target_array(leads: Any, column: str) -> np.ndarray:
    from ..tables import LeadTable

    lt = LeadTable.build(leads)
    if column in lt.stages:
        return np.asarray(~np.isnat(lt.stages[column]))
    if column in lt.numeric:
        y = lt.numeric[column]
        reject_rows(
            np.isnan(y),
            f"--target column {column!r} has missing values",
            column=column,
            values=y,
            fix="give every lead an outcome (0/1), or use a stage column such as won_at",
            table="leads",
        )
        return np.asarray(y != 0)
    if column == lt.id_column or column in lt.categorical or column == "created_at":
        raise CLIError(f"--target {column!r} must be a 0/1 column or a stage column such as won_at")
    raise CLIError(f"--target column {column!r} not found; columns: {', '.join(lt.columns)}")


def _cmd_score(args: argparse.Namespace) -> int:
    """score leads (fit × interest grid, logistic …)

    Score the leads of LEADS (one row per lead) with a registered scorer. The grid reads its
    rules from --rules (JSON/TOML: fit_rules, interest_points, fit_cuts …); a scorer that
    learns (logistic) is fitted on --target first.
    """
    from .._guard import failing, guarded_call
    from ..plugins import get_scorer
    from ..tables import LeadTable

    params = _load_config(args.rules)
    for key, value in _key_values(args.param, "--param").items():  # a loop over --param
        set_once(params, key, value, "parameter {key}, by --rules and --param,")
    if args.as_of is not None:
        set_once(
            params, "as_of", args.as_of, "parameter {key}, by --as-of and --param (or --rules),"
        )
    inputs, crm = _source(args, args.leads)
    prog = inputs.progress
    if crm is not None:
        if args.touchpoints:
            raise UsageError("--touchpoints come from the export with --preset")
        leads, touches = crm.leads, crm.touchpoints if crm.touchpoints["lead_id"].size else None
    else:
        files = {"leads": args.leads, "touchpoints": args.touchpoints}
        leads, touches = _read_files(inputs, files, args.leads).values()
    lt = LeadTable.build(leads)
    scorer = get_scorer(args.scorer, **params)
    if type(scorer).requires_fit:
        if not args.target:
            raise UsageError(
                f"scorer {args.scorer!r} learns from outcomes: give --target (e.g. --target won_at)"
            )
        y = _target_array(lt, args.target)
        with prog.step(f"fitting {args.scorer} on {args.target}"):
            guarded_call(scorer, "fit", lt, y, touchpoints=touches, fail=failing("scorer", scorer))
    from ..scoring import score

    with prog.step(f"scoring {lt.n_leads:,} leads"):
        result = score(lt, touches, scorer=scorer)
    _warn_unscored(args, result.diagnostics, getattr(scorer, "kind_column", "kind"))
    frame = result.to_frame(backend="dict")
    if args.out:
        write_columns(args.out, frame, table="scores")
        _wrote(prog, "scores", args.out)
    else:
        _emit(text_table(frame, max_rows=20))
    if "cell" in frame:
        summary = result.breakdown("dict")
        keep = np.asarray(summary["n"]) > 0
        shown = {k: np.asarray(v)[keep] for k, v in summary.items()
                 if k in ("cell", "action", "n", "share")}  # fmt: skip
        text = text_table(shown, pct=("share",), max_rows=None)
        _emit(f"\nleads per cell\n{text}", aside=args.out == "-")
    return 0


def _beside(path: str, suffix: str) -> str:
    """The file beside ``path`` whose name ends in ``suffix`` before its ending
    (``plan.csv.gz`` → ``plan-periods.csv.gz``)."""
    ending = file_kind(path, TABLE_FILES) or ""
    return path[: len(path) - len(ending)] + suffix + path[len(path) - len(ending) :]


def _warn_unscored(args: argparse.Namespace, diagnostics: Mapping[str, Any], asked: str) -> None:
    """Warn of touches whose kind has no interest points (they add no interest: a lead's 0
    may come from them), naming the kinds and the fix; ``asked`` is the scorer's kind column,
    named when another was read in its place."""
    kinds = diagnostics.get("unscored_kinds")
    if not kinds:
        return
    column = diagnostics.get("kind_column", asked)
    read = "" if column == asked else f" (the touches have no {asked} column: {column!r} was read)"
    listed = ", ".join(map(repr, kinds[:10])) + (
        f" and {len(kinds) - 10} more" if len(kinds) > 10 else ""
    )
    warn = getattr(args, "warn", None) or WarningPrinter()
    warn(
        f"{diagnostics.get('unscored_touches', 0):,} touch(es) add no interest: no points for "
        f"their {column} {listed}{read}; fix: give their points in --rules (interest_points), "
        "or name your touches' kind column with --map YOURS=kind"
    )


def _cmd_funnel_plan(args: argparse.Namespace) -> int:
    """volumes each stage must deliver to reach a revenue target

    Reverse waterfall: customers = target × share ÷ deal size; each stage's volume = next
    stage's volume ÷ its rate. Example: --target 100000 --deal-size 1000 --rate lead=0.04
    → 100 customers, 2,500 leads.
    """
    from ..funnel import plan

    rates = _rates(args.rate)
    p = plan(
        revenue_target=args.target,
        average_deal_size=args.deal_size,
        rates=rates,
        marketing_share=args.share,
        periods=args.periods,
    )
    table = p.to_frame(backend="dict")
    if args.out:
        if args.periods and args.out == "-":
            raise UsageError(
                "--periods with --out -: the per-period plan is a second table; give --out FILE "
                "(it is written beside it, as FILE-periods)"
            )
        progress = _progress(args)
        write_columns(args.out, table, table="plan")
        _wrote(progress, "plan", args.out)
        if args.periods:
            path = _beside(args.out, "-periods")
            write_columns(path, p.to_frame("periods", backend="dict"), table="per-period plan")
            _wrote(progress, "per-period plan", path)
        return 0
    _emit(
        f"revenue target {args.target:,.0f} × share {args.share:g} ÷ deal size "
        f"{args.deal_size:,.0f} = {float(np.asarray(p.customers)):,.1f} customers"
    )
    _emit(text_table(table, max_rows=None, pct=("rate",)))
    if args.periods:
        _emit("\nper period")
        _emit(text_table(p.to_frame("periods", backend="dict"), max_rows=None))
    return 0


def _cmd_funnel_observe(args: argparse.Namespace) -> int:
    """counts, conversion and velocity from lead stage times

    Observed funnel: counts per stage, conversion with intervals, velocity.
    """
    from ..funnel import observe

    stages = None
    if args.stages is not None:
        stages = [s.strip() for s in args.stages.split(",") if s.strip()]
        if len(stages) < 2:
            raise UsageError("--stages needs at least two comma-separated stage columns")
    inputs, crm = _source(args, args.leads)
    leads = (
        crm if crm is not None else _read_files(inputs, {"leads": args.leads}, args.leads)["leads"]
    )
    obs = observe(leads, stages=stages, mode=args.mode, by=args.by)
    table = obs.to_frame(backend="dict")
    pct = ("rate", "rate_low", "rate_high")
    _write_or_print(args.out, table, "funnel", progress=inputs.progress, pct=pct, max_rows=None)
    return 0


def _sla_from_file(path: str) -> Any:
    from ..models import SLA

    p = Path(path)
    if not p.is_file():
        raise not_a_file(p, "agreement")
    if p.suffix.lower() == ".toml":
        return SLA.from_toml(p)
    if p.suffix.lower() == ".json":
        return SLA.from_json(p)
    raise CLIError(f"agreement {path!r}: use a .toml or .json file")


def _sla_source(args: argparse.Namespace) -> tuple[Inputs, Any]:
    """The inputs of ``alignment sla``: an export (``EXPORT --preset``) or two files."""
    if args.preset:
        if not args.export or args.leads or args.activities:
            raise UsageError(
                "with --preset, give the export's folder after the agreement (alignment sla "
                "AGREEMENT EXPORT --preset NAME), not --leads/--activities"
            )
        return _source(args, args.export)
    if args.export:
        raise UsageError(f"{args.export!r}: an export folder needs --preset salesforce|hubspot")
    missing = [f for f, v in (("--leads", args.leads), ("--activities", args.activities),
                              ("--as-of", args.as_of)) if not v]  # fmt: skip
    if missing:
        raise UsageError(f"give {', '.join(missing)} (or an export folder with --preset)")
    return _source(args, "")


def _cmd_sla(args: argparse.Namespace) -> int:
    """evaluate a marketing–sales agreement on leads and activities

    Evaluate the agreement (TOML or JSON file) at --as-of: per-lead status, per-period
    marketing delivery and sales compliance, and the breach list.
    """
    from ..sla import evaluate

    aside = _one_stdout(args, "out", "breaches", "periods")
    agreement = _sla_from_file(args.agreement)
    inputs, crm = _sla_source(args)
    if crm is not None:
        leads, acts = crm, None
    else:
        files = {"leads": args.leads, "activities": args.activities}
        leads, acts = _read_files(inputs, files, "leads and activities").values()
    with inputs.progress.step("evaluating the agreement"):
        report = evaluate(agreement, leads, acts, as_of=args.as_of)
    _emit(sla_summary_text(report), aside=aside)
    tables = {"out": ("lead statuses", report.leads), "breaches": ("breaches", report.breaches),
              "periods": ("periods", report.periods)}  # fmt: skip
    for dest, (title, part) in tables.items():  # a loop over the output options
        path = getattr(args, dest)
        if path:
            write_columns(path, part.to_frame("dict"), table=title)
            _wrote(inputs.progress, title, path)
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    """installed plugins, attribution models and scorers

    List the loaded plugins and the models and scorers they register.
    """
    from ..plugins import attribution_models, list_plugins, plugin_errors, scorers

    plugins = list_plugins()
    models = attribution_models()
    scoring = scorers()
    errors = plugin_errors()
    if args.json:
        _emit(
            json.dumps(
                {
                    "plugins": [
                        {
                            "name": p.name,
                            "version": p.version,
                            "hooks": list(p.hooks),
                            "builtin": p.builtin,
                        }
                        for p in plugins
                    ],
                    "attribution_models": models,
                    "scorers": scoring,
                    "errors": [str(e) for e in errors],
                },
                indent=2,
            )
        )
        return 0
    _emit("plugins")
    _emit(
        text_table(
            {
                "name": [p.name for p in plugins],
                "version": [p.version or "-" for p in plugins],
                "builtin": ["yes" if p.builtin else "no" for p in plugins],
                "hooks": [", ".join(p.hooks) for p in plugins],
            },
            max_rows=None,
        )
    )
    _emit("\nattribution models")
    _emit(text_table({"name": list(models), "description": list(models.values())}, max_rows=None))
    _emit("\nscorers")
    _emit(text_table({"name": list(scoring), "description": list(scoring.values())}, max_rows=None))
    warn = getattr(args, "warn", None) or WarningPrinter()
    for e in errors:
        warn(str(e))
    return 0
