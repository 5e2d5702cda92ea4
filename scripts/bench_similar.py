"""Time the similar-case index (odr/evaluation/similar.py) at its bound: 5,000 closed cases of a
category. Usage: .venv/bin/python scripts/bench_similar.py [database URL] (default: a scratch
SQLite file). Writes rows into that database: never point it at a real one.

Then, each in a fresh process (as a new server process would be): the first report without the
warm-up, the warm-up itself, and the first report after it; and jieba's load without and with its
dictionary cache."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal

from odr import create_app
from odr.cases.models import Case
from odr.core.enums import CaseState, Category, Outcome
from odr.core.models import utcnow
from odr.evaluation import similar
from odr.extensions import db

PHRASES = ["公司拖欠工资", "老板不发工资", "加班费没有支付", "没有签订劳动合同", "被违法辞退", "社保没有缴纳",
           "工伤医疗费", "试用期工资", "年终奖未发", "拖欠三个月工资", "经济补偿金", "解除劳动合同",
           "The company owes wages", "overtime unpaid", "dismissed without notice"]


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:////tmp/odr_bench_similar.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    rng = random.Random(7)
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = utcnow()
        for n in range(similar.MAX_INDEXED):
            text = "，".join(rng.sample(PHRASES, 4))
            db.session.add(Case(
                reference=f"B-{n:06d}", state=CaseState.CLOSED, outcome=rng.choice(similar.OUTCOMES),
                category=Category.LABOUR, title=text[:30], facts=text * 3, claims="支付工资及经济补偿",
                claim_amount=Decimal(rng.randrange(5000, 90000)),
                settled_amount=Decimal(rng.randrange(2000, 5000)) if rng.random() < 0.5 else None,
                submitted_at=now - timedelta(days=200), closed_at=now - timedelta(days=rng.randrange(5, 150)),
                language="zh_CN"))
        db.session.commit()
        started = time.perf_counter()
        similar.tokens("预热")  # jieba's first load, timed on its own
        loaded = time.perf_counter()
        probe = Case(category=Category.LABOUR, title="拖欠工资", facts="公司拖欠三个月工资，没有签订劳动合同。",
                     claims="支付工资")
        first = similar.similar_outcomes(probe)  # builds the index
        built = time.perf_counter()
        again = similar.similar_outcomes(probe)  # uses it
        queried = time.perf_counter()
        assert first == again and first["indexed"] == similar.MAX_INDEXED
        # One more closed case: the index is stale and rebuilt, segmenting only the new case.
        db.session.add(Case(reference="B-NEW", state=CaseState.CLOSED, outcome=Outcome.SETTLED,
                            category=Category.LABOUR, title="拖欠工资", facts="公司拖欠工资", claims="",
                            language="zh_CN"))
        db.session.commit()
        before = time.perf_counter()
        similar.similar_outcomes(probe)
        rebuilt = time.perf_counter()
        print(f"jieba load {loaded - started:.2f} s; index build of {first['indexed']} cases "
              f"{built - loaded:.2f} s (with one query); a query on the built index "
              f"{(queried - built) * 1000:.1f} ms; rebuild after one more closed case "
              f"{(rebuilt - before) * 1000:.0f} ms; result {first}")


PROBE = ("拖欠工资", "公司拖欠三个月工资，没有签订劳动合同。", "支付工资")


def fresh_process(url: str, phase: str, cache_dir: str) -> None:
    """One measurement in this (new) process; prints seconds."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "JIEBA_CACHE_DIR": cache_dir})
    started = time.perf_counter()
    if phase == "jieba":
        with app.app_context():
            similar.tokens("预热")
        print(f"{time.perf_counter() - started:.2f}")
        return
    if phase == "warm":
        done = similar.warm_up(app)
        started = time.perf_counter()
        print(f"warm-up {done}; ", end="")
    with app.app_context():
        probe = Case(category=Category.LABOUR, title=PROBE[0], facts=PROBE[1], claims=PROBE[2])
        similar.similar_outcomes(probe)
    print(f"first report's similar cases {time.perf_counter() - started:.2f} s")


def in_fresh_process(url: str, phase: str, cache_dir: str) -> str:
    return subprocess.run([sys.executable, __file__, url, "--phase", phase, cache_dir], check=True,
                          capture_output=True, text=True).stdout.strip()


def fresh_processes(url: str) -> None:
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as cache:
        cold = in_fresh_process(url, "jieba", empty + "/never-reused")
        in_fresh_process(url, "jieba", cache)  # writes the cache
        cached = in_fresh_process(url, "jieba", cache)
        print(f"fresh process, jieba load: without its cache {cold} s, with it {cached} s")
        print("fresh process, no warm-up:", in_fresh_process(url, "cold", cache))
        print("fresh process, warm-up first:", in_fresh_process(url, "warm", cache))


if __name__ == "__main__":
    if "--phase" in sys.argv:
        fresh_process(sys.argv[1], sys.argv[3], sys.argv[4])
    else:
        main()
        fresh_processes(sys.argv[1] if len(sys.argv) > 1 else "sqlite:////tmp/odr_bench_similar.sqlite3")
