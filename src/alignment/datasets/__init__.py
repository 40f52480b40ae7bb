"""Synthetic CRM data: one B2B company's leads, touches, deals, sales activities and costs.

:func:`synthetic_crm` generates a realistic, fully deterministic data set (same ``seed`` → same
data) on which every engine of the library gives non-trivial answers.  It is the embedded data the
``alignment demo`` command, the examples and the tutorial run on; it never reads a file or the
network.

What is in it (all instants are ``datetime64[us]`` in UTC, all strings are ``object`` arrays):

* **leads** — one row per lead: ``lead_id``, ``created_at``, ``email``, ``first_name``,
  ``last_name``, ``company``, ``account_id`` (several leads per account), ``industry``,
  ``company_size`` (employees), ``country``, ``title``, ``seniority``, ``persona`` (the persona the
  lead was drawn from, ``None`` for leads matching none), ``source`` (channel of the first touch),
  ``campaign`` (campaign of the lead-creating touch), ``owner`` (sales rep, ``None`` until
  assigned), lifecycle stages ``mql_at``, ``assigned_at``, ``sal_at``, ``rejected_at``,
  ``rejection_reason``, ``sql_at``, ``opportunity_at``, ``won_at``, ``lost_at`` (``NaT`` = not
  reached), ``is_duplicate`` (the generator's ground truth, for checking the closed loop's
  duplicate detection) and ``role`` (buying-group role: ``decision_maker``, ``champion``,
  ``influencer``, ``user``, drawn from the seniority; ``None`` for a few).
* **touchpoints** — marketing and sales touches: ``lead_id``, ``timestamp``, ``channel`` (12
  channels; awareness channels dominate early in a journey, email / webinar / events / sales calls
  late), ``campaign``, ``content``, ``kind`` (``page_view``, ``form``, ``email_click``,
  ``webinar``, ``call``, …) and ``cost`` (media cost of the touch, 0 for organic touches).
* **deals** — one per opportunity: ``deal_id``, ``lead_id``, ``account_id``, ``created_at``,
  ``closed_at`` (``NaT`` while open), ``amount``, ``won``, ``stage`` (``"won"``, ``"lost"``,
  ``"open"``).
* **deal_contacts** — the buying group of each deal: ``deal_id``, ``lead_id``, ``role``,
  ``is_primary`` (the lead who opened the deal) plus one to three other leads of its account.
* **stage_events** — the lifecycle history: ``lead_id``, ``stage`` (``lead``, ``mql``, ``sql``,
  ``opportunity``, ``won``), ``at``; a rejected lead goes back to ``lead`` and some qualify
  again (recycles), so ``alignment.funnel.history(crm)`` has re-entries to count.
* **conversions** — the won deals in the shape attribution expects: ``lead_id``,
  ``converted_at``, ``revenue``.
* **activities** — sales actions after assignment: ``lead_id``, ``timestamp``, ``kind`` (``call``,
  ``email``, ``meeting``), ``rep``, ``outcome``.
* **costs** — campaign spend per month: ``campaign``, ``channel``, ``month``, ``cost``.

How the behaviour is generated (so that results are interpretable):

* *fit* comes from the account and contact (industry, size, country, seniority) and *interest*
  from the touches (forms, webinars, demo requests count most); the probability of each funnel step
  rises with both;
* sales reps differ in how fast they first respond (minutes for the best, days for the slowest) and
  in how many attempts they make; leads contacted fast qualify more often (HBR 2011);
* sales rejects poorly fitting MQLs with a reason code;
* about 2 % of leads are duplicates (same e-mail, later creation) and about 3 % are incomplete
  (industry, country, title or e-mail missing);
* stages that would fall after the extraction instant ``as_of`` are not reached yet (open leads).

Examples
--------
>>> from alignment.datasets import synthetic_crm
>>> crm = synthetic_crm(n_leads=1_000, seed=1)
>>> len(crm.leads["lead_id"])
1000
>>> sorted(crm.touchpoints)[:3]
['campaign', 'channel', 'content']
"""

from ._synthetic import CHANNELS, PERSONAS, SyntheticCRM, sla_example, synthetic_crm

__all__ = ["CHANNELS", "PERSONAS", "SyntheticCRM", "sla_example", "synthetic_crm"]
