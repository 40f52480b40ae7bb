"""A Preset for another CRM, and the checks of Preset, ExportTable and Lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from io_exports import write_export

import alignment
from alignment.errors import MissingColumnError, ParameterError
from alignment.io import ExportTable, Lookup, Preset, kind_of

# naive dates of the fixtures are read as UTC on purpose
pytestmark = pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")

TINY = Preset(
    name="tinycrm",
    tables=(
        ExportTable(
            "people",
            "leads",
            {
                "ID": "lead_id",
                "Created": "created_at",
                "Mail": "email",
                "Origin": "source",
                "Signed": "signed_on",
                "Rep": "rep_id",
            },
        ),
        ExportTable(
            "sales",
            "deals",
            {
                "ID": "deal_id",
                "Opened": "created_at",
                "Closed": "closed_at",
                "Value": "amount",
                "Won?": "won",
                "Buyers": "contact_ids",
            },
        ),
        ExportTable(
            "visits",
            "touchpoints",
            {"Person": "lead_id", "When": "timestamp", "Medium": "channel", "Ad": "campaign"},
            optional=True,
            noun="visit",
        ),
        ExportTable("spend", "costs", {"Ad": "campaign", "Medium": "channel", "Spend": "cost"}),
        ExportTable("reps", "lookup", {"Code": "rep_id", "Full name": "name"}, optional=True),
    ),
    lookups=(Lookup("reps", key="rep_id", ref="rep_id", take={"name": "owner"}, into=("people",)),),
    separator="|",
    types={"signed_on": "time"},
)

EXPORT = {
    "people": """ID,Created,Mail,Origin,Signed,Rep
p1,2024-01-01T10:00:00Z,a@x.io,Ads,2024-02-01,r1
p2,2024-01-02T10:00:00Z,b@x.io,ads,,r9
""",
    "sales": """ID,Opened,Closed,Value,Won?,Buyers
s1,2024-02-01T00:00:00Z,2024-03-01T00:00:00Z,"1.234,50 €",yes,p2|p1
s2,2024-02-02T00:00:00Z,,"99,00 €",no,p1
""",
    "visits": """Person,When,Medium,Ad
p1,2024-01-01T09:00:00Z,Ads,Spring
p2,2024-01-02T09:00:00Z,ADS,Spring
""",
    "spend": """Ad,Medium,Spend
Spring,Ads,"10.000,00 €"
""",
    "reps": """Code,Full name
r1,Rita Rep
""",
}


@pytest.fixture
def crm(tmp_path: Path) -> alignment.io.CRMData:
    return alignment.io.read_crm(TINY, write_export(tmp_path, EXPORT), decimal=",")


def test_custom_preset_reads_every_table(crm: alignment.io.CRMData) -> None:
    assert crm.source == "tinycrm" and crm.currency == "EUR"
    assert crm.leads["lead_id"].tolist() == ["p1", "p2"]
    assert crm.leads["signed_on"][0] == np.datetime64("2024-02-01", "us")  # Preset.types
    assert crm.leads["owner"].tolist() == ["Rita Rep", None]  # no keep_ref: left empty
    assert crm.deals["amount"].tolist() == [1234.5, 99.0]
    assert crm.deals["won"].tolist() == [True, False]
    dc = crm.deal_contacts
    assert list(zip(dc["lead_id"].tolist(), dc["is_primary"].tolist())) == [
        ("p1", False),
        ("p2", True),
        ("p1", True),
    ]
    assert crm.conversions["lead_id"].tolist() == ["p2"]
    assert crm.costs["cost"].tolist() == [10000.0]
    assert set(crm.touchpoints["channel"].tolist()) == {"Ads"}
    missing = [i for i in crm.issues if i.problem == "not found in the reps export"]
    assert [(i.table, i.column, i.rows, i.action) for i in missing] == [
        ("people", "Rep", (1,), "owner left empty")
    ]


def test_optional_and_required_tables(tmp_path: Path) -> None:
    part = {k: v for k, v in EXPORT.items() if k not in ("visits", "reps")}
    crm = alignment.io.read_crm(TINY, write_export(tmp_path / "a", part), decimal=",")
    assert crm.touchpoints["lead_id"].size == 0
    assert crm.leads["owner"].tolist() == [None, None]
    with pytest.raises(MissingColumnError, match="spend"):
        alignment.io.read_crm(TINY, {k: v for k, v in _frames().items() if k != "spend"})


def _frames() -> dict[str, object]:
    from io_exports import frames

    return frames(EXPORT, "dict")


def test_with_columns_and_table_lookup() -> None:
    extended = TINY.with_columns({"People": {"Score": "score", "Mail": None}})
    people = extended.table("PEOPLE")
    assert people.columns["Score"] == "score" and "email" not in people.ours()
    assert TINY.table("people").columns["Mail"] == "email"  # the original is unchanged
    assert kind_of("score") == "number" and TINY.kind("signed_on") == "time"
    assert [kind_of(c) for c in ("won", "is_primary", "amount", "mql_at", "name")] == [
        "flag",
        "flag",
        "money",
        "time",
        "text",
    ]
    assert ExportTable("Opportunity", "deals", {}).patterns == ("Opportunity", "Opportunities")


@pytest.mark.parametrize(
    "build",
    [
        lambda: ExportTable("", "leads", {}),
        lambda: ExportTable("x", "people", {}),  # type: ignore[arg-type]
        lambda: ExportTable("x", "leads", {"A": ""}),
        lambda: ExportTable("x", "leads", {"A": 1}),  # type: ignore[dict-item]
        lambda: ExportTable("x", "leads", [("A", "b")]),  # type: ignore[arg-type]
        lambda: Lookup("u", key="k", ref="r", take={"n": "owner"}, into=()),
        lambda: Lookup("u", key="k", ref="r", take={"n": "owner"}, into=("x",), keep_ref="rep"),
        lambda: Preset("p", ()),
        lambda: Preset("p", (ExportTable("d", "deals", {}),)),
        lambda: Preset("p", (ExportTable("a", "leads", {}), ExportTable("A", "leads", {}))),
        lambda: Preset(
            "p",
            (ExportTable("a", "leads", {}),),
            lookups=(Lookup("u", key="k", ref="r", take={"n": "o"}, into=("a",)),),
        ),
        lambda: Preset("p", (ExportTable("a", "leads", {}),), types={"x": "date"}),
        lambda: Preset("p", (ExportTable("a", "leads", {}),), won_stages=("",)),
        lambda: Preset("p", (ExportTable("a", "leads", {}),), separator=""),
        lambda: Preset("p", (ExportTable("a", "leads", {}),), stage_outcomes={"Won": "yes"}),
        lambda: Preset("p", (ExportTable("a", "leads", {}),), stage_outcomes={" ": "won"}),
        lambda: Preset("p", (ExportTable("a", "leads", {}),), stage_outcomes=[("Won", "won")]),  # type: ignore[arg-type]
        lambda: TINY.with_columns({"people": {"ID": 3}}),  # type: ignore[dict-item]
        lambda: TINY.with_columns([("people", {})]),  # type: ignore[arg-type]
    ],
)
def test_invalid_definitions(build: object) -> None:
    with pytest.raises(ParameterError):
        build()  # type: ignore[operator]


def test_missing_column_names_their_candidates(tmp_path: Path) -> None:
    export = dict(EXPORT)
    export["sales"] = export["sales"].replace("Value", "Price")
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm(TINY, write_export(tmp_path, export), decimal=",")
    assert (info.value.table, info.value.column) == ("sales", "Value")


def test_loose_column_names(tmp_path: Path) -> None:
    export = dict(EXPORT)
    export["people"] = export["people"].replace("Mail", "MAIL")
    crm = alignment.io.read_crm(TINY, write_export(tmp_path, export), decimal=",")
    assert crm.leads["email"].tolist() == ["a@x.io", "b@x.io"]


def test_the_documented_preset_runs(tmp_path: Path) -> None:
    """The Pipedrive example of docs/io.md, on a tiny export."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "io.md").read_text()
    block = re.search(r"```python\n(from alignment.io import ExportTable.*?)```", text, re.S)
    assert block is not None
    folder = write_export(
        tmp_path / "exports" / "pipedrive",
        {
            "all-persons": "ID,Person created,Email,Source,Owner ID\n"
            "1,2024-03-01 10:00,a@x.fr,Salon,7\n2,2024-03-02 10:00,b@x.fr,salon,8\n",
            "all-deals": "ID,Deal created,Won time,Value,Status,Person ID\n"
            'd1,2024-03-05 10:00,2024-04-01 10:00,"1.500,00",won,1\n'
            "d2,2024-03-06 10:00,,300,open,2\n",
            "users": "ID,Name\n7,Zoé\n",
        },
    )
    code = block.group(1).replace('"exports/pipedrive/"', repr(str(folder)))
    scope: dict[str, object] = {}
    exec(compile(code, "docs/io.md", "exec"), scope)  # the documentation's own code
    crm = scope["crm"]
    assert isinstance(crm, alignment.io.CRMData)
    assert crm.deals["won"].tolist() == [True, False]
    assert crm.deals["amount"].tolist() == [1500.0, 300.0]
    assert crm.leads["owner"].tolist() == ["Zoé", "8"]
    assert crm.conversions["lead_id"].tolist() == ["1"]
    assert crm.leads["source"].tolist() == ["Salon", "Salon"]  # a tie: the first sorted


def test_a_preset_without_deals_reads_no_deals() -> None:
    """A preset with no table of deals: the bundle's deals are empty (their columns kept)."""
    only_leads = Preset(
        "leadsonly", (ExportTable("people", "leads", {"ID": "lead_id", "Created": "created_at"}),)
    )
    export = {
        "people": {
            "ID": np.array(["a", "b"], dtype=object),
            "Created": np.array(["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"], dtype=object),
        }
    }
    crm = alignment.io.read_crm(only_leads, export)
    assert list(crm.leads["lead_id"]) == ["a", "b"]
    assert crm.deals["deal_id"].size == 0
    assert {"deal_id", "amount", "won", "created_at"} <= set(crm.deals)
    assert crm.conversions["lead_id"].size == 0
