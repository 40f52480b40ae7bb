"""Blocked fuzzy matching of folded company names (rapidfuzz, an optional dependency).

Only names sharing a *block* — the same first :data:`BLOCK_CHARS` characters of the folded
name — are compared, one block at a time with :func:`rapidfuzz.process.cdist` and a score
cutoff, a bounded number of rows at a time: the full leads × accounts matrix is never built.
The score of a pair is ``rapidfuzz.fuzz.ratio / 100``, the normalised Indel similarity
``2·LCS / (len(a) + len(b))`` (LCS: longest common subsequence).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._frames import factorize
from .._parallel import n_threads
from ._fold import _by_chunks

__all__ = ["BLOCK_CHARS", "EXTRA", "fuzzy_pairs", "require_rapidfuzz"]

BLOCK_CHARS = 3
"""Names are compared only with names that share their first three (folded) characters."""

EXTRA = "accounts"
"""The optional extra that installs rapidfuzz: ``pip install 'smarketing-alignment[accounts]'``."""

_CELLS = 1 << 21  # scores computed per cdist call at most (16 MiB of float64)
_THREADED_CELLS = 1 << 17  # smaller blocks run on one thread (a hand-off costs more)
# below the threshold (on rapidfuzz's 0-100 scale) for its cutoff, a pre-filter only: cdist
# drops a score within about 1e-5 above its cutoff ("aaaa" / "aaa", 6/7 at a cutoff of
# 600/7 - 1e-6); the exact rule is applied to the scores it keeps
_SLACK = 0.01


def require_rapidfuzz() -> Any:
    """The ``rapidfuzz`` module, or an ImportError naming the extra (and ``fuzzy=False``)."""
    try:
        import rapidfuzz
    except ImportError:
        raise ImportError(
            "fuzzy company-name matching needs rapidfuzz: "
            f"pip install 'smarketing-alignment[{EXTRA}]' (or pip install rapidfuzz), "
            "or pass fuzzy=False to match exact folded names only"
        ) from None
    return rapidfuzz


def _block_codes(queries: np.ndarray, choices: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Block code of every query and choice (one code space), and the number of blocks."""
    both = np.concatenate([queries, choices])
    keys = _by_chunks(lambda a: a.astype(f"U{BLOCK_CHARS}"), both)
    cat = factorize(keys, column="name", table="accounts")
    codes = cat.codes.astype(np.int64)
    return codes[: queries.size], codes[queries.size :], cat.n_categories


def _offsets(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Stable order of ``codes`` and the CSR offsets of each code in it."""
    order = np.argsort(codes, kind="stable")
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=n), out=offsets[1:])
    return order, offsets


def _exact_scores(ratio: np.ndarray, q_len: np.ndarray, c_len: np.ndarray) -> np.ndarray:
    """rapidfuzz's ``fuzz.ratio`` (0-100) as the exact fraction ``2·LCS / (|a| + |b|)``.

    rapidfuzz computes the ratio in floating point, a few ulps off the fraction (``8/25``
    comes out below ``0.32``), so a score equal to the threshold would be refused, and equal
    fractions of different lengths (``8/25``, ``16/50``) would not tie.  The common length
    ``2·LCS`` is an integer: rounded back, then divided once, every score is the float
    nearest its fraction, the one a threshold written as that decimal (``0.32``) is.
    """
    total = q_len[:, None] + c_len[None, :]
    common = np.rint(ratio / 100 * total)  # 2·LCS (0 below the cutoff)
    return np.asarray(common / total)


def _best_in_block(
    queries: list[str], choices: list[str], threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query, choice, score) of every choice at its query's best score ≥ ``threshold``."""
    from rapidfuzz import fuzz, process

    rows_per_call = max(_CELLS // len(choices), 1)
    workers = n_threads() if len(queries) * len(choices) >= _THREADED_CELLS else 1
    q_len = np.fromiter(map(len, queries), dtype=np.float64, count=len(queries))
    c_len = np.fromiter(map(len, choices), dtype=np.float64, count=len(choices))
    out_q, out_c, out_s = [], [], []
    for start in range(0, len(queries), rows_per_call):  # a loop over chunks of a block
        part = queries[start : start + rows_per_call]
        m = process.cdist(
            part,
            choices,
            scorer=fuzz.ratio,
            score_cutoff=max(threshold * 100 - _SLACK, 0.0),  # a pre-filter: the rule is below
            dtype=np.float64,
            workers=max(workers, 1),
        )
        m = _exact_scores(m, q_len[start : start + rows_per_call], c_len)
        m[m < threshold] = 0.0
        best = m.max(axis=1)
        q, c = np.nonzero((m == best[:, None]) & (best[:, None] > 0))
        out_q.append(q + start)
        out_c.append(c)
        out_s.append(best[q])
    return np.concatenate(out_q), np.concatenate(out_c), np.concatenate(out_s)


def fuzzy_pairs(
    queries: np.ndarray, choices: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (query, choice) pair at the query's best score, where that score ≥ ``threshold``.

    Parameters
    ----------
    queries, choices : ndarray of object
        Distinct folded names (``str``).
    threshold : float
        The lowest score of a match, in ``(0, 1]``.

    Returns
    -------
    query, choice : ndarray of int64
        Indices into ``queries`` and ``choices``; a query with several pairs has a tie.
    score : ndarray of float64
        The pair's score (the query's best).
    """
    empty = np.empty(0, dtype=np.int64)
    if queries.size == 0 or choices.size == 0:
        return empty, empty, np.empty(0, dtype=np.float64)
    qk, ck, n_blocks = _block_codes(queries, choices)
    q_order, q_off = _offsets(qk, n_blocks)
    c_order, c_off = _offsets(ck, n_blocks)
    shared = np.flatnonzero((np.diff(q_off) > 0) & (np.diff(c_off) > 0))
    found_q, found_c, found_s = [empty], [empty], [np.empty(0, dtype=np.float64)]
    for k in shared.tolist():  # a loop over the distinct blocks
        qi = q_order[q_off[k] : q_off[k + 1]]
        ci = c_order[c_off[k] : c_off[k + 1]]
        q, c, s = _best_in_block(queries[qi].tolist(), choices[ci].tolist(), threshold)
        found_q.append(qi[q])
        found_c.append(ci[c])
        found_s.append(s)
    return np.concatenate(found_q), np.concatenate(found_c), np.concatenate(found_s)
