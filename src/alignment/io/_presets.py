"""The built-in presets: Salesforce (standard objects, API field names) and HubSpot exports.

Every field is documented in ``docs/io.md`` ("Field by field").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._preset import ExportTable, Lookup, Preset

__all__ = ["HUBSPOT", "PRESETS", "SALESFORCE"]

SALESFORCE = Preset(
    name="salesforce",
    tables=(
        ExportTable(
            "Lead",
            "leads",
            {
                "Id": "lead_id",
                "CreatedDate": "created_at",
                "Email": "email",
                "Company": "company",
                "LeadSource": "source",
                "Status": "status",
                "IsConverted": "is_converted",
                "ConvertedContactId": "merged_into",
                "ConvertedAccountId": "account_id",
                "ConvertedDate": "sql_at",
                "OwnerId": "owner_id",
                "Title": "title",
                "Industry": "industry",
                "NumberOfEmployees": "company_size",
                "Country": "country",
            },
            merges_into="Contact",
        ),
        ExportTable(
            "Contact",
            "leads",
            {
                "Id": "lead_id",
                "CreatedDate": "created_at",
                "Email": "email",
                "AccountId": "account_id",
                "LeadSource": "source",
                "OwnerId": "owner_id",
                "Title": "title",
                "MailingCountry": "country",
            },
        ),
        ExportTable(
            "Opportunity",
            "deals",
            {
                "Id": "deal_id",
                "AccountId": "account_id",
                "Name": "name",
                "Amount": "amount",
                "CurrencyIsoCode": "currency",
                "CreatedDate": "created_at",
                "CloseDate": "closed_at",
                "IsWon": "won",
                "IsClosed": "is_closed",
                "StageName": "stage",
                "OwnerId": "owner_id",
            },
            noun="opportunity",
        ),
        ExportTable(
            "OpportunityContactRole",
            "deal_contacts",
            {
                "OpportunityId": "deal_id",
                "ContactId": "lead_id",
                "Role": "role",
                "IsPrimary": "is_primary",
            },
            noun="contact role",
        ),
        ExportTable(
            "Campaign",
            "costs",
            {
                "Id": "campaign_id",
                "Name": "campaign",
                "Type": "channel",
                "ActualCost": "cost",
                "CurrencyIsoCode": "currency",
            },
            optional=True,
            noun="campaign",
        ),
        ExportTable(
            "CampaignMember",
            "touchpoints",
            {
                "CampaignId": "campaign_id",
                "ContactId": "lead_id",
                "LeadId": "lead_id",
                "HasResponded": "responded",
                "FirstRespondedDate": "timestamp",
                "CreatedDate": "timestamp",
                "Status": "kind",
            },
            keep_when="responded",
            skip_reason="not a touch (no response)",
            noun="touch",
        ),
        ExportTable(
            "Task",
            "activities",
            {
                "WhoId": "lead_id",
                "ActivityDate": "timestamp",
                "CreatedDate": "timestamp",
                "TaskSubtype": "kind",
                "Type": "kind",
                "OwnerId": "owner_id",
                "Status": "status",
                "CallDisposition": "outcome",
            },
            optional=True,
            noun="task",
        ),
        ExportTable("User", "lookup", {"Id": "user_id", "Name": "name"}, optional=True),
    ),
    lookups=(
        Lookup(
            "Campaign",
            key="campaign_id",
            ref="campaign_id",
            take={"campaign": "campaign", "channel": "channel"},
            into=("CampaignMember",),
            keep_ref="campaign",
        ),
        Lookup(
            "User",
            key="user_id",
            ref="owner_id",
            take={"name": "owner"},
            into=("Lead", "Contact"),
            keep_ref="owner",
        ),
        Lookup(
            "User",
            key="user_id",
            ref="owner_id",
            take={"name": "rep"},
            into=("Task",),
            keep_ref="rep",
        ),
    ),
    stage_outcomes={"Closed Won": "won", "Closed Lost": "lost"},
)
"""The Salesforce preset: standard objects by their API field names (see "Salesforce, field by
field" in the docs)."""


def _both(pairs: Mapping[str, str], ours: str) -> dict[str, str]:
    """Property label and internal name(s) of one HubSpot property, mapped to ``ours``."""
    return dict.fromkeys(pairs[ours].split("|"), ours)


_CONTACT = {
    "lead_id": "Record ID|hs_object_id|Contact ID",
    "created_at": "Create Date|createdate",
    "email": "Email|email",
    "mql_at": "Became a Marketing Qualified Lead Date"
    "|hs_lifecyclestage_marketingqualifiedlead_date",
    "sql_at": "Became a Sales Qualified Lead Date|hs_lifecyclestage_salesqualifiedlead_date",
    "opportunity_at": "Became an Opportunity Date|hs_lifecyclestage_opportunity_date",
    "won_at": "Became a Customer Date|hs_lifecyclestage_customer_date",
    "source": "Original Source|Original Traffic Source|hs_analytics_source",
    "company": "Company Name|company",
    "account_id": "Associated Company ID|Primary Associated Company ID|Associated Company IDs"
    "|associatedcompanyid",
    "owner": "Contact owner|hubspot_owner_id",
    "title": "Job Title|jobtitle",
    "lifecycle_stage": "Lifecycle Stage|lifecyclestage",
    "status": "Lead Status|hs_lead_status",
    "industry": "Industry|industry",
    "country": "Country/Region|country",
    # (a dropdown of ranges, "25-50", "1000+": read as the text of its band, never a number)
    "company_size_band": "Number of Employees|numemployees",
}
_DEAL = {
    "deal_id": "Record ID|hs_object_id|Deal ID",
    "name": "Deal Name|dealname",
    "stage": "Deal Stage|dealstage",
    "amount": "Amount|amount",
    "currency": "Deal Currency Code|deal_currency_code",
    "closed_at": "Close Date|closedate",
    "created_at": "Create Date|createdate",
    "contact_ids": "Associated Contact IDs|Associated Contact ID",
    "account_id": "Associated Company IDs|Associated Company ID|associatedcompanyid",
    "pipeline": "Pipeline|pipeline",
    "owner": "Deal owner|hubspot_owner_id",
}


def _hubspot_map(pairs: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for ours in pairs:
        out.update(_both(pairs, ours))
    return out


def _identity(*names: str) -> dict[str, str]:
    return {n: n for n in names}


HUBSPOT = Preset(
    name="hubspot",
    tables=(
        ExportTable(
            "contacts",
            "leads",
            _hubspot_map(_CONTACT),
            patterns=("*contacts*", "contact"),
            lists=("account_id",),
        ),
        ExportTable(
            "deals", "deals", _hubspot_map(_DEAL), patterns=("*deals*", "deal"), noun="deal"
        ),
        ExportTable(
            "interactions",
            "touchpoints",
            _identity("lead_id", "timestamp", "channel", "campaign", "kind", "content", "cost"),
            patterns=("*interactions*", "interaction"),
            optional=True,
            noun="touch",
        ),
        ExportTable(
            "activities",
            "activities",
            _identity("lead_id", "timestamp", "kind", "rep", "outcome"),
            patterns=("*activities*", "activity"),
            optional=True,
            noun="activity",
        ),
        ExportTable(
            "costs",
            "costs",
            _identity("campaign", "channel", "cost", "period"),
            patterns=("*costs*", "cost"),
            optional=True,
            noun="cost row",
        ),
    ),
    won_stages=("closedwon", "Closed Won"),
    lost_stages=("closedlost", "Closed Lost"),
)
"""The HubSpot preset: contacts and deals exports by property label or internal name, and
optional interactions, activities and costs files with our column names."""

PRESETS: Mapping[str, Preset] = MappingProxyType({"salesforce": SALESFORCE, "hubspot": HUBSPOT})
"""The built-in presets by name (``read_crm("salesforce", ...)``)."""
