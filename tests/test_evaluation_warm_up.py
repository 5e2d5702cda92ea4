"""The similar-case index is built before the first report needs it: warm_up() loads jieba (its
dictionary cache in the instance folder, not the shared /tmp) and indexes every category with
closed cases; start_warm_up() does it once per process in the background."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from odr.core.enums import CaseState, Category
from odr.evaluation import similar
from odr.extensions import db

from .foundation_support import build_case
from .test_evaluation import WAGE_TEXT, _closed

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def wage_case(world):
    case = build_case(world, CaseState.EVALUATION)
    db.session.commit()
    return case


def _three_closed(world, start=1):
    for n in range(start, start + 3):
        _closed(world, n, title="拖欠工资", facts=WAGE_TEXT, settled="6000")
    _closed(world, start + 3, title="邻居噪音", facts="楼上装修噪音扰民。", category=Category.NEIGHBOURHOOD)
    db.session.commit()


def test_warm_up_builds_every_category_the_first_report_then_reuses(world, wage_case, app, monkeypatch):
    similar.clear_cache()
    _three_closed(world)
    done = similar.warm_up(app)
    assert done["labour"][0] == 3 and done["neighbourhood"][0] == 1 and "jieba" in done
    built = similar._indexes["labour"]
    segmented = []
    monkeypatch.setattr(similar, "_tokens_of", lambda texts: segmented.append(texts) or [])
    result = similar.similar_outcomes(wage_case)
    assert result["enough"] is True and result["count"] == 3
    assert similar._indexes["labour"] is built and segmented == []  # nothing segmented again


def test_warm_up_without_closed_cases_does_not_load_jieba(world, app):
    similar.clear_cache()
    assert similar.warm_up(app) == {}


def test_start_warm_up_runs_once_in_the_background(world, app, monkeypatch):
    similar.clear_cache()
    _three_closed(world, start=20)
    monkeypatch.setattr(similar, "_warm_up_started", False)
    similar.start_warm_up(app)
    similar.start_warm_up(app)  # a second call starts nothing
    threads = [t for t in threading.enumerate() if t.name == "similar-warm-up"]
    assert len(threads) == 1 and similar.warm_up_started()
    threads[0].join(timeout=60)
    assert similar._indexes["labour"].key[0] == 3


def test_jieba_keeps_its_dictionary_cache_in_the_instance_folder(tmp_path):
    cache = tmp_path / "jieba"
    script = f"""
import jieba
from odr import create_app
from odr.evaluation import similar
app = create_app({{"TESTING": True, "SECRET_KEY": "x", "JIEBA_CACHE_DIR": {str(cache)!r},
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/db.sqlite3"}})
with app.app_context():
    print(similar.tokens("公司拖欠三个月工资"))
print(jieba.dt.tmp_dir)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "拖欠" in result.stdout and result.stdout.split()[-1] == str(cache)
    assert (cache / "jieba.cache").stat().st_size > 1_000_000
    assert oct(cache.stat().st_mode & 0o777) == "0o700"


def test_under_gevent_the_loop_keeps_running_while_jieba_loads(tmp_path):
    """gunicorn's gevent worker: jieba's load runs in gevent's native thread pool, so other
    greenlets (pages, sockets) keep being served; in the loop it would stall them all."""
    pytest.importorskip("gevent")
    script = f"""
from gevent import monkey
monkey.patch_all()
import time
import gevent
from odr import create_app
from odr.cases.models import Case
from odr.core.enums import CaseState, Category, Outcome
from odr.evaluation import similar
from odr.extensions import db
app = create_app({{"TESTING": True, "SECRET_KEY": "x", "JIEBA_CACHE_DIR": {str(tmp_path / "jieba")!r},
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path}/db.sqlite3"}})
with app.app_context():
    db.create_all()
    for n in range(3):
        db.session.add(Case(reference=f"G-{{n}}", state=CaseState.CLOSED, outcome=Outcome.SETTLED,
                            category=Category.LABOUR, title="拖欠工资", facts="公司拖欠工资三个月", claims="",
                            language="zh_CN"))
    db.session.commit()
ticks = []
def tick():
    while True:
        ticks.append(time.perf_counter())
        gevent.sleep(0.02)
gevent.spawn(tick)
gevent.sleep(0)
done = similar.warm_up(app)
gaps = [b - a for a, b in zip(ticks, ticks[1:])]
print(done["jieba"][1], max(gaps), done["labour"][0])
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    load, longest_gap, indexed = result.stdout.split()
    assert int(indexed) == 3
    # Blocking the loop would leave one gap as long as the load itself.
    assert float(longest_gap) < float(load) / 2, result.stdout
