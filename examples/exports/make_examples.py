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
SEED = 20240628


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


def readme_block(tables: dict[str, dict[str, Columns]], sums: Mapping[str, str]) -> str:
    """The generated part of README.md: every file's rows and columns, then the totals."""
    lines = [BEGIN, "", "| file | rows | columns |", "|---|---|---|"]
    for folder, files in tables.items():
        for name, cols in files.items():
            n = next(iter(cols.values())).size
            lines.append(f"| `{folder}/{name}.csv` | {n} | {', '.join(cols)} |")
    lines += ["", "Expected totals (as written in the files):", "", "```text"]
    lines += [f"{k} = {v}" for k, v in sums.items()]
    lines += ["```", "", END]
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
