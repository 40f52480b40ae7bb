"""The synthetic company's vocabulary: channels, campaigns, touch kinds, people, reps, personas.

Constants only (and the rejection reasons, read from the SLA model); the generator's phases
(:mod:`alignment.datasets._phases`) draw from them.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

TIME_DTYPE = np.dtype("datetime64[us]")
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR

CHANNELS: tuple[str, ...] = (
    "organic_search",
    "paid_search",
    "social",
    "display",
    "content_download",
    "referral",
    "direct",
    "email",
    "webinar",
    "events",
    "partner",
    "sales_call",
)
"""The twelve marketing and sales channels of the synthetic company."""
# relative weight of each channel at the start (early) and at the end (late) of a journey
_EARLY = np.array([0.22, 0.18, 0.16, 0.10, 0.12, 0.07, 0.06, 0.02, 0.02, 0.02, 0.02, 0.01])
_LATE = np.array([0.04, 0.05, 0.03, 0.01, 0.05, 0.02, 0.12, 0.24, 0.14, 0.08, 0.06, 0.15])
# media cost per touch (currency units); organic channels cost nothing per touch
_CPC = np.array([0.0, 4.5, 2.8, 1.2, 6.0, 0.0, 0.0, 0.4, 12.0, 35.0, 8.0, 0.0])

# campaigns per channel (the first listed is the most frequent)
_CAMPAIGNS: dict[str, tuple[str, ...]] = {
    "organic_search": ("seo_blog", "seo_product"),
    "paid_search": ("ps_brand", "ps_generic", "ps_competitor"),
    "social": ("li_abm", "li_retargeting", "x_thought_leadership"),
    "display": ("display_retargeting",),
    "content_download": ("ebook_alignment_guide", "whitepaper_revenue_ops", "report_benchmarks"),
    "referral": ("customer_referral",),
    "direct": ("(none)",),
    "email": ("nurture_series", "newsletter", "product_update"),
    "webinar": ("webinar_pipeline_101", "webinar_forecasting"),
    "events": ("saas_summit", "roadshow_europe"),
    "partner": ("partner_co_marketing",),
    "sales_call": ("sdr_outbound",),
}
# fixed (non-media) monthly cost per campaign, e.g. event booths, webinar platform
_FIXED_MONTHLY = {
    "saas_summit": 18_000.0,
    "roadshow_europe": 9_000.0,
    "webinar_pipeline_101": 1_500.0,
    "webinar_forecasting": 1_500.0,
    "ebook_alignment_guide": 2_000.0,
    "whitepaper_revenue_ops": 1_200.0,
    "report_benchmarks": 2_500.0,
    "partner_co_marketing": 3_000.0,
    "sdr_outbound": 12_000.0,
    "nurture_series": 800.0,
    "newsletter": 400.0,
    "product_update": 300.0,
    "seo_blog": 2_000.0,
    "seo_product": 1_000.0,
}

# touch kinds, with the content they carry, per channel: (kind, content, weight)
_KINDS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "organic_search": (
        ("page_view", "blog_article", 0.6),
        ("page_view", "pricing", 0.15),
        ("page_view", "product_tour", 0.15),
        ("form", "demo_request", 0.1),
    ),
    "paid_search": (
        ("ad_click", "landing_page", 0.7),
        ("form", "demo_request", 0.15),
        ("page_view", "pricing", 0.15),
    ),
    "social": (
        ("ad_click", "video", 0.5),
        ("page_view", "blog_article", 0.4),
        ("form", "ebook", 0.1),
    ),
    "display": (("ad_click", "banner", 1.0),),
    "content_download": (
        ("form", "ebook", 0.55),
        ("form", "whitepaper", 0.3),
        ("form", "case_study", 0.15),
    ),
    "referral": (("page_view", "case_study", 0.6), ("form", "demo_request", 0.4)),
    "direct": (
        ("page_view", "homepage", 0.5),
        ("page_view", "pricing", 0.35),
        ("form", "demo_request", 0.15),
    ),
    "email": (
        ("email_click", "newsletter", 0.5),
        ("email_click", "case_study", 0.3),
        ("email_click", "webinar_invite", 0.2),
    ),
    "webinar": (("webinar", "webinar", 0.8), ("form", "webinar_registration", 0.2)),
    "events": (("event", "booth_visit", 0.7), ("meeting", "event_meeting", 0.3)),
    "partner": (("page_view", "partner_page", 0.5), ("form", "demo_request", 0.5)),
    "sales_call": (("call", "discovery_call", 0.7), ("meeting", "demo", 0.3)),
}
# behavioural intent carried by each kind / content (drives conversion, like a scoring model would)
_KIND_INTENT = {
    "page_view": 0.2,
    "ad_click": 0.1,
    "form": 1.5,
    "email_click": 0.4,
    "webinar": 1.2,
    "event": 1.0,
    "meeting": 2.0,
    "call": 1.0,
}
_CONTENT_BONUS = {"pricing": 0.8, "demo_request": 2.0, "product_tour": 0.5, "case_study": 0.4}

_INDUSTRIES = (
    "software",
    "fintech",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "government",
    "media",
)
_COUNTRIES = ("US", "GB", "DE", "FR", "NL", "CA", "AU", "SE", "ES", "IN", "BR", "JP")
_TARGET_COUNTRIES = frozenset({"US", "GB", "DE", "FR", "NL", "CA", "AU", "SE"})
# title, seniority
_TITLES: tuple[tuple[str, str], ...] = (
    ("Chief Revenue Officer", "executive"),
    ("VP Marketing", "executive"),
    ("VP Sales", "executive"),
    ("Head of Revenue Operations", "director"),
    ("Director of Marketing", "director"),
    ("Director of Sales", "director"),
    ("Marketing Operations Manager", "manager"),
    ("Sales Manager", "manager"),
    ("Demand Generation Manager", "manager"),
    ("Marketing Analyst", "individual"),
    ("Sales Development Rep", "individual"),
    ("Data Engineer", "individual"),
    ("Student", "other"),
    ("Consultant", "other"),
)
_SENIORITY_FIT = {
    "executive": 1.0,
    "director": 0.9,
    "manager": 0.5,
    "individual": 0.0,
    "other": -1.0,
}
_FIRST = (
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Robin",
    "Jamie",
    "Chris",
    "Pat",
    "Maria",
    "Anna",
    "Lena",
    "Sofia",
    "Emma",
    "Noah",
    "Liam",
    "Lucas",
    "Mia",
    "Zoe",
    "Omar",
    "Yuki",
    "Ravi",
    "Ines",
    "Hugo",
    "Nina",
    "Ella",
    "Ivan",
    "Tara",
    "Ken",
)
_LAST = (
    "Smith",
    "Jones",
    "Garcia",
    "Muller",
    "Martin",
    "Rossi",
    "Novak",
    "Berg",
    "Khan",
    "Sato",
    "Silva",
    "Dubois",
    "Jansen",
    "Kowalski",
    "Nguyen",
    "Brown",
    "Wilson",
    "Moreau",
    "Fischer",
    "Larsen",
    "Costa",
    "Ahmed",
    "Tanaka",
    "Lopez",
    "Weber",
    "Olsen",
    "Baker",
    "Young",
    "King",
    "Wright",
)
_COMPANY_A = (
    "North",
    "Blue",
    "Bright",
    "Silver",
    "Green",
    "Iron",
    "Clear",
    "Swift",
    "Red",
    "Open",
    "Deep",
    "High",
    "True",
    "Quantum",
    "Atlas",
    "Summit",
    "Vector",
    "Nimbus",
)
_COMPANY_B = ("wind", "river", "stone", "field", "peak", "bridge", "light", "wave", "forge", "path")
_COMPANY_C = ("Labs", "Systems", "Analytics", "Group", "Software", "Health", "Retail", "Works")
_FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com")

#: the sales reps: (name, median hours to first response, mean follow-up attempts)
_REPS: tuple[tuple[str, float, float], ...] = (
    ("ana.lopez", 0.15, 8.0),
    ("ben.carter", 0.4, 7.0),
    ("chloe.martin", 0.8, 6.5),
    ("dev.patel", 1.5, 6.0),
    ("eva.schmidt", 3.0, 5.0),
    ("felix.wong", 6.0, 4.5),
    ("grace.kim", 12.0, 4.0),
    ("hiro.tanaka", 26.0, 3.0),
    ("ivy.nguyen", 48.0, 2.5),
    ("jack.miller", 80.0, 2.0),
)


def _rejection_reasons() -> tuple[str, ...]:
    """Reasons the synthetic reps give: the SLA's default codes but "duplicate" and "other"."""
    from ..sla._model import DEFAULT_REASON_CODES

    return tuple(r for r in DEFAULT_REASON_CODES if r not in ("duplicate", "other"))


PERSONAS: dict[str, dict[str, Any]] = {
    "revops_leader": {
        "description": "Revenue or marketing leader at a mid-size to large software/fintech company",
        "industries": ["software", "fintech", "media"],
        "company_size": (200, 20_000),
        "seniority": ["executive", "director"],
        "countries": sorted(_TARGET_COUNTRIES),
    },
    "ops_manager": {
        "description": "Hands-on marketing or sales operations manager in a growing company",
        "industries": ["software", "fintech", "healthcare", "manufacturing", "retail", "media"],
        "company_size": (50, 5_000),
        "seniority": ["manager", "individual"],
        "countries": sorted(_TARGET_COUNTRIES),
    },
    "enterprise_buyer": {
        "description": "Senior buyer at a large traditional enterprise",
        "industries": ["manufacturing", "healthcare", "retail", "government"],
        "company_size": (1_000, 200_000),
        "seniority": ["executive", "director", "manager"],
        "countries": sorted(_TARGET_COUNTRIES | {"JP"}),
    },
}
"""Persona definitions of the synthetic company: name → description, industries, company size
range, seniorities and countries.  For reading: the generator reads its own copy, so that an
edit of this dict (or of its lists) changes nothing it makes (the same seed, the same data)."""

#: the generator's own copy of :data:`PERSONAS`, taken when the module loads
_PERSONA_SPECS: dict[str, dict[str, Any]] = copy.deepcopy(PERSONAS)
