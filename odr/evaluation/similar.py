"""Outcomes of similar closed cases: Chinese-aware retrieval (jieba + BM25) over the service's
own finished cases, reported only as aggregates and only when there are enough of them.

Privacy: nothing of another case leaves this module but counts, a median ratio and a median
duration, and only when at least K_MIN cases match (a k-anonymity-style threshold): no names,
references, facts or ids.

The index is kept in memory per process and category: the most recent MAX_INDEXED closed cases,
rebuilt when the (count, highest id) of those cases changes. `start_warm_up(app)` builds it in
the background when a process serves its first request (SIMILAR_WARM_UP), so the first report
does not wait for jieba's dictionary and the segmenting. Under gevent the CPU-bound parts run in
gevent's native thread pool, so the event loop keeps serving while they run.
"""

from __future__ import annotations

import logging
import math
import os
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import func, select

from ..cases.models import Case
from ..core.enums import CaseState, Outcome
from ..extensions import db

K_MIN = 3  # never report on fewer cases than this
MAX_INDEXED = 5000  # per category, the most recent closed cases
TOP_N = 20  # the most similar cases that make up the report
MIN_RELATIVE_SCORE = 0.25  # a case counts as similar when its score is at least this share of the best
# Finished cases whose outcome says something about how such disputes end.
OUTCOMES = (Outcome.SETTLED, Outcome.CONFIRMED, Outcome.CONFIRMATION_REFUSED, Outcome.REFERRED,
            Outcome.NOT_PURSUED, Outcome.RESOLVED_IN_CONSULTATION)
SETTLED = frozenset({Outcome.SETTLED, Outcome.CONFIRMED, Outcome.RESOLVED_IN_CONSULTATION})

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w", re.UNICODE)
_STOP = frozenset(["的", "了", "和", "是", "在", "我", "他", "她", "我们", "有", "就", "不", "也", "都", "the", "a", "an", "and", "of", "to", "in", "is", "was", "for", "on", "with"])
_jieba = None
_jieba_lock = threading.Lock()


def _cpu(function, *args):
    """Run CPU-bound work where it does not stall the server: in gevent's native thread pool
    when gevent patched threading (gunicorn's gevent worker), else right here."""
    try:
        from gevent import get_hub, monkey
    except ImportError:
        return function(*args)
    if not monkey.is_module_patched("threading"):
        return function(*args)
    return get_hub().threadpool.apply(function, args)


def _load_jieba(cache_dir: str | None):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    if cache_dir:
        # jieba keeps its parsed dictionary (marshal) in tempfile.gettempdir() by default: a
        # shared /tmp where another user could put a file of that name first.
        jieba.dt.tmp_dir = cache_dir
    jieba.initialize()
    return jieba


def _segmenter():
    """jieba, loaded once per process on first use, quietly, its cache in the instance folder."""
    global _jieba
    if _jieba is None:
        cache_dir = None
        if has_app_context():
            cache_dir = current_app.config.get("JIEBA_CACHE_DIR") or os.path.join(current_app.instance_path, "cache")
            os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        with _jieba_lock:
            if _jieba is None:
                _jieba = _cpu(_load_jieba, cache_dir)
    return _jieba


def tokens(text: str) -> list[str]:
    words = _segmenter().cut_for_search(text or "")
    return [w for w in (t.strip().lower() for t in words) if w and _WORD.search(w) and w not in _STOP]


def _tokens_of(texts: list[str]) -> list[list[str]]:
    return [tokens(text) for text in texts]


class BM25:
    """Okapi BM25 (k1 = 1.5, b = 0.75; idf = ln((N - n + 0.5) / (n + 0.5) + 1), never negative)."""

    def __init__(self, documents: list[list[str]], k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.freqs = [Counter(d) for d in documents]
        self.lengths = [len(d) for d in documents]
        self.avg = (sum(self.lengths) / len(documents)) if documents else 0.0
        df: Counter = Counter()
        for f in self.freqs:
            df.update(f.keys())
        n = len(documents)
        self.idf = {term: math.log((n - k + 0.5) / (k + 0.5) + 1) for term, k in df.items()}

    def scores(self, query: list[str]) -> list[float]:
        terms = [t for t in set(query) if t in self.idf]
        out = []
        for f, length in zip(self.freqs, self.lengths, strict=True):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * length / self.avg) if self.avg else self.k1
            for t in terms:
                tf = f.get(t)
                if tf:
                    score += self.idf[t] * tf * (self.k1 + 1) / (tf + norm)
            out.append(score)
        return out


@dataclass
class _Index:
    key: tuple
    rows: list[tuple]  # (outcome, claim_amount, settled_amount, days), in id order
    bm25: BM25
    docs: dict  # case id -> (tokens, row): what a rebuild can reuse


_indexes: dict[str, _Index] = {}
# One build at a time per process: a report written while the warm-up builds waits for it
# instead of segmenting the same cases a second time.
_index_lock = threading.RLock()


def _closed(category):
    return (Case.state == CaseState.CLOSED, Case.outcome.in_(OUTCOMES), Case.category == category)


def _index(category) -> _Index:
    """The index of the category, rebuilt when its closed cases changed since it was built.

    Segmenting is the slow part (about 1 ms a case), so each case's tokens are kept with the
    index and a rebuild segments only the cases it has not seen."""
    recent = (select(Case.id).where(*_closed(category)).order_by(Case.id.desc()).limit(MAX_INDEXED)
              .subquery())
    key = tuple(db.session.execute(select(func.count(), func.max(recent.c.id))).one())
    cached = _indexes.get(str(category))
    if cached is not None and cached.key == key:
        return cached
    with _index_lock:
        cached = _indexes.get(str(category))
        if cached is not None and cached.key == key:
            return cached  # built by the warm-up (or another request) while we waited
        built = _build(recent, key, cached)
        _indexes[str(category)] = built
    return built


def _build(recent, key: tuple, cached: _Index | None) -> _Index:
    ids = list(db.session.execute(select(recent.c.id)).scalars())
    seen = cached.docs if cached is not None else {}
    docs = {i: seen[i] for i in ids if i in seen}
    missing = [i for i in ids if i not in docs]
    if missing:
        _segmenter()  # here, in the app context: it knows the instance folder
    for start in range(0, len(missing), 500):
        rows = db.session.execute(
            select(Case.id, Case.title, Case.facts, Case.claims, Case.outcome, Case.claim_amount,
                   Case.settled_amount, Case.submitted_at, Case.closed_at)
            .where(Case.id.in_(missing[start:start + 500]))
        ).all()
        segmented = _cpu(_tokens_of, [f"{r.title}\n{r.facts}\n{r.claims}" for r in rows])
        for row, words in zip(rows, segmented, strict=True):
            submitted, closed = row.submitted_at, row.closed_at
            days = (closed - submitted).days if submitted and closed else None
            docs[row.id] = (words, (row.outcome, row.claim_amount, row.settled_amount, days))
    order = sorted(docs)
    return _Index(key, [docs[i][1] for i in order], BM25([docs[i][0] for i in order]), docs)


def _median(values):
    return statistics.median(values) if len(values) >= K_MIN else None


def similar_outcomes(case) -> dict:
    """Aggregates over the closed cases most similar to `case` in its category.

    {"enough": False, "k_min": 3} when fewer than K_MIN are similar; otherwise count, settled,
    median ratio (None when fewer than K_MIN similar cases have both amounts) and median days
    (None likewise)."""
    index = _index(case.category)
    query = tokens(f"{case.title}\n{case.facts}\n{case.claims}") if index.rows else []
    scores = index.bm25.scores(query) if query else []
    best = max(scores, default=0.0)
    ranked = sorted((s, i) for i, s in enumerate(scores) if s > 0 and s >= best * MIN_RELATIVE_SCORE)
    chosen = [index.rows[i] for _s, i in reversed(ranked)][:TOP_N]
    if len(chosen) < K_MIN:
        return {"enough": False, "k_min": K_MIN, "indexed": len(index.rows)}
    settled = [r for r in chosen if r[0] in SETTLED]
    ratios = [Decimal(r[2]) / Decimal(r[1]) for r in settled if r[1] and r[2] is not None]
    days = [r[3] for r in chosen if r[3] is not None]
    ratio = _median(ratios)
    median_days = _median(days)
    return {
        "enough": True,
        "k_min": K_MIN,
        "indexed": len(index.rows),
        "count": len(chosen),
        "settled": len(settled),
        "median_ratio": str(Decimal(ratio).quantize(Decimal("0.01"))) if ratio is not None else None,
        "ratio_basis": len(ratios),
        "median_days": int(median_days) if median_days is not None else None,
    }


def clear_cache() -> None:
    _indexes.clear()


def warm_up(app) -> dict:
    """Load jieba and build the index of every category that has closed cases. Returns
    {category: (cases indexed, seconds)}, and "jieba": (0, seconds) for the dictionary's load."""
    done = {}
    with app.app_context():
        categories = db.session.execute(
            select(Case.category).where(Case.state == CaseState.CLOSED, Case.outcome.in_(OUTCOMES)).distinct()
        ).scalars().all()
        if categories:  # without closed cases there is nothing to index, nor a query to segment
            started = time.perf_counter()
            _segmenter()
            done["jieba"] = (0, round(time.perf_counter() - started, 2))
        for category in categories:
            started = time.perf_counter()
            index = _index(category)
            done[str(category)] = (len(index.rows), round(time.perf_counter() - started, 2))
        db.session.remove()
    return done


_warm_up_started = False


def warm_up_started() -> bool:
    return _warm_up_started


def start_warm_up(app) -> None:
    """Warm up once per process, in the background (a failure is logged: a report then builds
    the index itself)."""
    global _warm_up_started
    if _warm_up_started:
        return
    _warm_up_started = True

    def run():
        try:
            log.info("similar-case index warmed up: %s", warm_up(app))
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("warming up the similar-case index failed")

    threading.Thread(target=run, name="similar-warm-up", daemon=True).start()
