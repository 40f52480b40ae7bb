"""Lead-to-account matching benchmark: 10^6 leads against 10^5 accounts.

Usage::

    python benchmarks/accounts_match.py                 # 10^6 leads, 10^5 accounts
    python benchmarks/accounts_match.py --leads 100000 --accounts 10000

Synthetic accounts get made-up names (two or three syllables, a sector word and a legal
suffix), a domain (or a website URL) derived from the name; a few share a name.  Leads belong
to an account (Zipf-like sizes) or to no account; their e-mail is at the account's domain or at
a free-mail domain, and their company name is the account's name spelled another way (case,
punctuation, another legal suffix) and, for some, with a typo after the third letter.

Timed: ``alignment.accounts.match`` (best of ``--repeat``), with its peak traced memory
(``tracemalloc``: numpy and Python allocations) and the process's peak resident memory.  The
matches are checked against the truth the generator knows: right, wrong, ambiguous, unmatched.
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import sys
import time
import tracemalloc

import numpy as np

import alignment
from alignment.accounts import match

SYLLABLES = np.array(
    "ac me glo bex ini tech um bra vo lex cor ta zen ith nova qua ri sol ar ka mi do ven tor "
    "pix el fin ra hel io ter ra lum en cy ber on ix ap ex".split(),
    dtype=object,
)
SECTORS = np.array(
    ["Software", "Systems", "Labs", "Logistics", "Health", "Energy", "Analytics", "Foods", ""],
    dtype=object,
)
SUFFIXES = np.array(["Inc.", "LLC", "Ltd", "GmbH", "Corp.", "S.A.", ""], dtype=object)
FREE = np.array(["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"], dtype=object)


OTHER = np.array("zu xo qy wu fe gi yo uz".split(), dtype=object)  # names of no account


def _names(rng: np.random.Generator, n: int, syllables: np.ndarray = SYLLABLES) -> np.ndarray:
    """``n`` distinct names (in random order) of two or three syllables and a sector word."""
    m = 2 * n
    parts = syllables[rng.integers(0, syllables.size, (m, 3))]
    three = rng.random(m) < 0.7
    stem = parts[:, 0] + parts[:, 1] + np.where(three, parts[:, 2], "")
    sector = SECTORS[rng.integers(0, SECTORS.size, m)]
    names = np.unique([f"{s.title()} {t}".strip() for s, t in zip(stem, sector)])
    return np.asarray(rng.permutation(names)[:n], dtype=object)


def _typo(name: str, k: int) -> str:
    """Drop one letter after the third (so the block of the name is kept)."""
    if len(name) < 6:
        return name
    i = 3 + k % (len(name) - 4)
    return name[:i] + name[i + 1 :]


def generate(n_leads: int, n_accounts: int, seed: int = 7) -> tuple[dict, dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    names = _names(rng, n_accounts)
    shared = rng.random(n_accounts) < 0.01  # a few accounts share a name (and a domain)
    names = np.where(shared, names[rng.integers(0, n_accounts, n_accounts)], names)
    slug = np.asarray([n.lower().replace(" ", "") for n in names], dtype=object)
    tld = np.where(rng.random(n_accounts) < 0.8, ".com", ".io")
    domain = slug + tld
    as_site = rng.random(n_accounts) < 0.3
    accounts = {
        "account_id": np.char.add("A", np.arange(n_accounts).astype(str)).astype(object),
        "domain": np.where(as_site, None, domain).astype(object),
        "website": np.where(as_site, "https://www." + domain + "/about", None).astype(object),
        "name": np.asarray(
            [f"{n} {s}".strip() for n, s in zip(names, SUFFIXES[rng.integers(0, 7, n_accounts)])],
            dtype=object,
        ),
    }
    truth = np.minimum(rng.zipf(1.3, n_leads) - 1, n_accounts - 1)
    truth = rng.permutation(n_accounts)[truth]
    outsider = rng.random(n_leads) < 0.1
    truth = np.where(outsider, -1, truth)
    other = _names(rng, n_leads, OTHER)
    other = other[rng.integers(0, other.size, n_leads)]
    base = np.where(outsider, other, names[np.maximum(truth, 0)])
    style = rng.integers(0, 4, n_leads)
    typo = rng.random(n_leads) < 0.15
    company = [
        _typo(b, i) if t else (b.upper() if s == 0 else f"{b}, {SUFFIXES[s]}" if s < 3 else b)
        for i, (b, s, t) in enumerate(zip(base.tolist(), style.tolist(), typo.tolist()))
    ]
    corporate = rng.random(n_leads) < 0.6
    person = np.char.add("p", np.arange(n_leads).astype(str)).astype(object)
    lead_domain = np.where(
        corporate & ~outsider, domain[np.maximum(truth, 0)], FREE[rng.integers(0, 4, n_leads)]
    )
    leads = {
        "lead_id": np.char.add("L", np.arange(n_leads).astype(str)).astype(object),
        "email": (person + "@" + lead_domain).astype(object),
        "company": np.asarray(company, dtype=object),
    }
    return leads, accounts, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    leads, accounts, truth = generate(args.leads, args.accounts)
    print(f"generated in {time.perf_counter() - t0:.1f} s")
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    walls, cpus = [], []
    for _ in range(args.repeat):
        w, c = time.perf_counter(), time.process_time()
        m = match(leads, accounts)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    tracemalloc.start()  # (a separate run: tracing slows the allocations down)
    match(leads, accounts)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ids = np.asarray(accounts["account_id"])
    got = m.account
    right = int(np.count_nonzero((got >= 0) & (got == truth)))
    wrong = int(np.count_nonzero((got >= 0) & (got != truth)))
    print(f"alignment {alignment.__version__}, numpy {np.__version__}, Python "
          f"{platform.python_version()}, {platform.machine()}")  # fmt: skip
    print(f"{args.leads:,} leads x {args.accounts:,} accounts ({ids.size:,} ids)")
    print(f"match: best wall {min(walls):.2f} s (runs {', '.join(f'{x:.2f}' for x in walls)}), "
          f"CPU {min(cpus):.2f} s")  # fmt: skip
    print(f"peak traced memory of a match: {traced:.0f} MiB; process peak RSS "
          f"{rss_before:.0f} MiB before, {rss_after:.0f} MiB after")  # fmt: skip
    print("summary:", m.summary())
    print(f"vs truth: right {right:,}, wrong {wrong:,}, ambiguous "
          f"{int(m.ambiguous.sum()):,}, unmatched {int((m.method_code == 0).sum()):,}")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
