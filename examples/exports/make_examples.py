"""Write the example CRM exports of this folder (deterministic: run it again, get the same files).

Usage::

    python examples/exports/make_examples.py            # rewrites salesforce/, hubspot/ and
                                                        # the totals block of README.md

One small B2B company seen through two CRMs: ``salesforce/`` (eight objects by their API field
names, about 200 persons) and ``hubspot/`` (contacts and deals as HubSpot's export writes them,
plus interactions, activities and costs tables).  The messy parts are on purpose; README.md
lists them and the totals a reader must find (sum of won amounts, sum of costs).
numpy and the standard library only.
"""

from __future__ import annotations

import argparse
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import sf_format as sf  # the folder's own modules (the script's folder is on sys.path)
from common import Columns
from hubspot_example import HS_CAMPAIGNS, hubspot
from salesforce_example import CAMPAIGNS, salesforce

HERE = Path(__file__).resolve().parent
SEED = 7


# --------------------------------------------------------------------------- files


def totals(sfc: dict[str, Columns], hs: dict[str, Columns]) -> dict[str, str]:
    """The numbers a reader of the files must find, from the generated values."""
    opp, deals = sfc["Opportunity"], hs["deals"]
    won = opp["IsWon"] == "TRUE"
    hs_won = deals["Deal Stage"] == "Closed Won"
    return {
        "salesforce.won_opportunities": str(int(won.sum())),
        "salesforce.won_amount": f"{_amounts(opp['Amount'][won]).sum():.2f}",
        "salesforce.actual_cost": f"{sum(c[6] for c in CAMPAIGNS):.2f}",
        "salesforce.responded_members": str(
            int((sfc["CampaignMember"]["HasResponded"] == "true").sum())
        ),
        "hubspot.won_deals": str(int(hs_won.sum())),
        "hubspot.won_amount": f"{deals['Amount'][hs_won].astype(float).sum():.2f}",
        "hubspot.cost": f"{sum(h[2] for h in HS_CAMPAIGNS):.2f}",
    }


def _amounts(text: np.ndarray) -> np.ndarray:
    return np.array([float(t.replace("$", "").replace(",", "")) for t in text])


def _repeated(values: np.ndarray) -> list[str]:
    uniq, counts = np.unique(values.astype(str), return_counts=True)
    return [str(u) for u in uniq[counts > 1] if u]


def landmarks(sfc: dict[str, Columns], hs: dict[str, Columns]) -> list[str]:
    """Where the deliberate oddities are, found again in the written columns."""
    lead, contact, task = sfc["Lead"], sfc["Contact"], sfc["Task"]
    roles, opp = sfc["OpportunityContactRole"], sfc["Opportunity"]
    won_primary = roles["ContactId"][
        (roles["IsPrimary"] == "true")
        & np.isin(roles["OpportunityId"], opp["Id"][opp["IsWon"] == "TRUE"])
    ]
    known = np.r_[lead["Id"], contact["Id"]]
    dup = (lead["IsConverted"] == "false") & np.isin(lead["Email"], contact["Email"])
    deals, won = hs["deals"], hs["deals"]["Deal Stage"] == "Closed Won"
    hs_ids = hs["contacts"]["Record ID"]
    listed = [c.split(";") for c in deals["Associated Contact IDs"]]
    code = lambda v: ", ".join(f"`{x}`" for x in v)  # noqa: E731
    return [
        f"- Salesforce contact with two won opportunities: {code(_repeated(won_primary))}",
        f"- opportunity with two contact roles: {code(_repeated(roles['OpportunityId']))}",
        f"- opportunity with no contact role: {code(np.setdiff1d(opp['Id'], roles['OpportunityId']))}",
        f"- duplicate lead (e-mail of a converted contact): {code(lead['Id'][dup])}",
        f"- leads owned by a queue: {code(lead['Id'][np.char.startswith(lead['OwnerId'].astype(str), '00G')])}",
        f"- tasks of an unknown person: {code(task['Id'][~np.isin(task['WhoId'], known)])}",
        f"- HubSpot contact with two won deals: {code(_repeated(np.array([ids[0] for ids, w in zip(listed, won) if w], dtype=object)))}",
        f"- deal with two contacts: {code(deals['Record ID'][[len(x) > 1 for x in listed]])}",
        f"- deal naming a deleted contact: {code(deals['Record ID'][[any(i and i not in hs_ids for i in x) for x in listed]])}",
        f"- deal with no contact: {code(deals['Record ID'][deals['Associated Contact IDs'] == ''])}",
        f"- interactions of an unknown contact (rows, 0-based): {code(np.flatnonzero(~np.isin(hs['interactions']['lead_id'], hs_ids)))}",
    ]


def readme_block(tables: dict[str, dict[str, Columns]], sums: Mapping[str, str]) -> str:
    """The generated part of README.md: every file's rows and columns, the totals and where
    the oddities are."""
    lines = [BEGIN, "", "| file | rows | columns |", "|---|---|---|"]
    for folder, files in tables.items():
        for name, cols in files.items():
            n = next(iter(cols.values())).size
            lines.append(f"| `{folder}/{name}.csv` | {n} | {', '.join(cols)} |")
    lines += ["", "Expected totals (as written in the files):", "", "```text"]
    lines += [f"{k} = {v}" for k, v in sums.items()]
    lines += ["```", "", "Where the oddities are:", ""]
    lines += landmarks(tables["salesforce"], tables["hubspot"])
    lines += ["", END]
    return "\n".join(lines)


BEGIN = "<!-- begin: written by make_examples.py, do not edit by hand -->"
END = "<!-- end: written by make_examples.py -->"
EXCEL = ("Opportunity", "Task")  # report exports saved again from a spreadsheet


def main(argv: list[str] | None = None) -> None:
    """Write both exports and the generated block of README.md (into ``--out``, default this
    folder; elsewhere README.md is copied first)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    out = parser.parse_args(argv).out
    rng = np.random.default_rng(SEED)
    tables = {"salesforce": salesforce(rng), "hubspot": hubspot(rng)}
    for folder, files in tables.items():
        (out / folder).mkdir(parents=True, exist_ok=True)
        for name, cols in files.items():
            sf.write_csv(
                out / folder / f"{name}.csv",
                cols,
                excel=name in EXCEL,
                quote_all=folder == "salesforce",
            )
    readme = out / "README.md"
    if not readme.exists():
        shutil.copyfile(HERE / "README.md", readme)
    text = readme.read_text(encoding="utf-8")
    block = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    generated = readme_block(tables, totals(*tables.values()))
    readme.write_text(block.sub(lambda _: generated, text), encoding="utf-8")


if __name__ == "__main__":
    main()
