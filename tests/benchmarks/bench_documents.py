"""Documents: render cost against raw WeasyPrint, peak memory of a render, download latency.

    .venv/bin/python tests/benchmarks/bench_documents.py
    .venv/bin/python tests/benchmarks/bench_documents.py --renders 20 --downloads 1000
    .venv/bin/python tests/benchmarks/bench_documents.py --database-url postgresql://postgres@127.0.0.1:5432/odr_bench

1. Render: a three-page Chinese mediation application made from a real case (migrated SQLite
   database, the test factories, the data builder), rendered by `render_pdf()` and, on the
   identical HTML, by raw WeasyPrint (`HTML(string=...).write_pdf(pdf_variant="pdf/a-3u")` with
   its default fetcher and the stylesheet read from odr/static), alternating, after a warm-up.
   Ratio of the medians; target <= 1.1.
2. Peak memory: a fresh process imports WeasyPrint, renders once to warm up, then renders the
   same paper again; ru_maxrss before and after each step, and tracemalloc's peak for the
   Python-side allocations of the second render.
3. Download: GET /documents/<id>/download as the applicant through the whole Flask app (policy,
   audit event and commit, storage read, SHA-256 check), N times; p50 / p95 / max, against
   GET /healthz through the same client. Target p95 <= 20 ms.

Not collected by pytest (tests/benchmarks is in norecursedirs). Numbers: docs/documents.md.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.1
TARGET_P95_MS = 20.0
FACTS_PARAGRAPH = (
    "申请人自2023年3月起在被申请人处从事仓储管理工作，双方签订了为期三年的劳动合同，约定月工资"
    "人民币4000元，于次月10日前发放。自2024年10月起，被申请人以资金周转困难为由拖欠工资，至今"
    "已累计三个月未发放。申请人多次通过电话、微信及当面方式催讨，被申请人均承诺近期支付，但始终"
    "未予兑现。申请人家庭经济负担较重，欠薪已严重影响正常生活。"
)


def make_app(database_url: str, storage: str):
    from odr import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://"),
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": False,
        "STORAGE_DIR": storage,
        "WTF_CSRF_ENABLED": False,
    })
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return app


def seed(app):
    """A case whose application runs to three pages, and its issued application (zh_CN)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from odr.core.enums import CaseState
    from odr.documents.data import PAPERS, build_inputs
    from odr.documents.models import DocumentType
    from odr.documents.operations import issue_document
    from odr.extensions import db
    from tests import factories

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        world = factories.build_world()
        case = factories.make_case(world, CaseState.MEDIATION)
        case.facts = "\n".join(f"{i}. {FACTS_PARAGRAPH}" for i in range(1, 14))
        case.claims = "一、请求被申请人支付拖欠工资人民币12000元；\n二、请求被申请人支付经济补偿金人民币6000元。"
        db.session.flush()
        document = issue_document(case, DocumentType.APPLICATION, world.applicant, "zh_CN")
        db.session.commit()
        paper = PAPERS[DocumentType.APPLICATION]
        inputs = build_inputs(case, paper, lang="zh_CN", code="7K3MQ9TX2HVB", version=1,
                              issued_at=document.issued_at, supersedes=None)
        return {"document_id": document.id, "applicant_id": world.applicant.id,
                "inputs": json.loads(json.dumps(inputs)), "template": paper.template}


def bench_render(inputs: dict, template: str, rounds: int) -> dict:
    from pypdf import PdfReader
    from weasyprint import HTML

    from odr.documents.render import ASSET_ORIGIN, STATIC_DIR, render_html, render_pdf

    html = render_html(template, inputs, lang="zh_CN")
    # Raw WeasyPrint: the same HTML, relative URLs resolved against odr/static on disk by
    # WeasyPrint's own fetcher.
    raw_html = html.replace(ASSET_ORIGIN, "")

    def raw():
        return HTML(string=raw_html, base_url=str(STATIC_DIR) + "/").write_pdf(pdf_variant="pdf/a-3u")

    def service():
        return render_pdf(template, inputs, lang="zh_CN")

    first = service()  # warm-up: fonts, caches
    raw()
    pages = len(PdfReader(io.BytesIO(first)).pages)
    times = {"service": [], "raw": []}
    for _ in range(rounds):
        for name, fn in (("service", service), ("raw", raw)):
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    html_started = time.perf_counter()
    render_html(template, inputs, lang="zh_CN")
    html_ms = (time.perf_counter() - html_started) * 1000
    service_ms = statistics.median(times["service"]) * 1000
    raw_ms = statistics.median(times["raw"]) * 1000
    return {"pages": pages, "bytes": len(first), "service_ms": service_ms, "raw_ms": raw_ms,
            "ratio": service_ms / raw_ms, "rounds": rounds, "html_ms": html_ms,
            "service_min_ms": min(times["service"]) * 1000, "raw_min_ms": min(times["raw"]) * 1000}


MEMORY_SCRIPT = r"""
import json, sys, tracemalloc
sys.path.insert(0, sys.argv[1])
inputs, template = json.loads(sys.stdin.read())
def peak():
    # VmHWM: this process's peak resident set. (ru_maxrss would carry the parent's peak over
    # exec on Linux.)
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
steps = {"start": peak()}
from odr.documents.render import render_pdf
import weasyprint  # the import itself, measured apart from rendering
steps["imported"] = peak()
render_pdf(template, inputs, lang="zh_CN")
steps["first_render"] = peak()
render_pdf(template, inputs, lang="zh_CN")
steps["second_render"] = peak()
tracemalloc.start()  # last: tracing costs memory of its own
render_pdf(template, inputs, lang="zh_CN")
steps["python_peak_third_render"] = tracemalloc.get_traced_memory()[1] / 2**20
print(json.dumps(steps))
"""


def bench_memory(inputs: dict, template: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(ROOT)],
        input=json.dumps([inputs, template]), capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


def bench_download(app, document_id: int, applicant_id: int, count: int) -> dict:
    from flask_login import FlaskLoginClient

    from odr.auth.models import User
    from odr.extensions import db

    app.test_client_class = FlaskLoginClient
    with app.app_context():
        applicant = db.session.get(User, applicant_id)
        client = app.test_client(user=applicant)
        db.session.remove()
    # Strong session protection wants the identifier a browser's session would carry.
    from flask_login.utils import _create_identifier

    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_id"] = identifier

    cpu = {}

    def timed(path: str) -> list[float]:
        samples = []
        cpu_started = time.process_time()
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(path)
            response.get_data()
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        # CPU time of this process per request: what the machine's other load does not inflate.
        cpu[path] = (time.process_time() - cpu_started) * 1000 / count
        return samples

    url = f"/documents/{document_id}/download"
    size = len(client.get(url).data)
    timed("/healthz")[:10]  # warm-up
    health = timed("/healthz")
    download = timed(url)

    def summary(samples, path):
        ordered = sorted(samples)
        return {"p50": statistics.median(ordered), "p95": ordered[int(len(ordered) * 0.95) - 1],
                "max": ordered[-1], "cpu": cpu[path]}

    return {"count": count, "bytes": size, "healthz": summary(health, "/healthz"),
            "download": summary(download, url)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=10, help="timed renders of each kind")
    parser.add_argument("--downloads", type=int, default=500, help="timed downloads")
    parser.add_argument("--database-url", help="PostgreSQL database to use (its schema is replaced)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="odr_bench_docs_") as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app = make_app(url, os.path.join(folder, "storage"))
        started = time.perf_counter()
        seeded = seed(app)
        print(f"database: {url.split('@')[-1]}  (seeded and first document issued in "
              f"{time.perf_counter() - started:.1f} s)")

        render = bench_render(seeded["inputs"], seeded["template"], args.renders)
        print(f"\nrender, {render['pages']}-page Chinese application ({render['bytes'] / 1024:.0f} KiB), "
              f"median of {render['rounds']}:")
        print(f"  render_pdf()      median {render['service_ms']:7.1f} ms   min {render['service_min_ms']:7.1f} ms")
        print(f"  raw WeasyPrint    median {render['raw_ms']:7.1f} ms   min {render['raw_min_ms']:7.1f} ms")
        print(f"  of which template + QR code (Jinja, qrcode): {render['html_ms']:.1f} ms")
        verdict = "ok" if render["ratio"] <= TARGET_RATIO else "OVER TARGET"
        print(f"  ratio of medians  {render['ratio']:7.3f}   (target <= {TARGET_RATIO}: {verdict}); "
              f"ratio of minimums {render['service_min_ms'] / render['raw_min_ms']:.3f}")

        memory = bench_memory(seeded["inputs"], seeded["template"])
        print("\npeak memory of a fresh rendering process (VmHWM, peak resident set):")
        print(f"  after start-up          {memory['start']:7.1f} MiB")
        print(f"  after importing         {memory['imported']:7.1f} MiB")
        print(f"  after first render      {memory['first_render']:7.1f} MiB")
        print(f"  after second render     {memory['second_render']:7.1f} MiB")
        print(f"  Python allocations, peak during a warm render: "
              f"{memory['python_peak_third_render']:.1f} MiB (tracemalloc; Pango, HarfBuzz and cairo-free C memory not included)")

        download = bench_download(app, seeded["document_id"], seeded["applicant_id"], args.downloads)
        d, h = download["download"], download["healthz"]
        verdict = "ok" if d["p95"] <= TARGET_P95_MS else "OVER TARGET"
        print(f"\ndownload of the stored PDF ({download['bytes'] / 1024:.0f} KiB), {download['count']} requests "
              f"through the app:")
        for label, row in (("/healthz", h), ("/documents/<id>/download", d)):
            print(f"  {label:25} p50 {row['p50']:6.2f} ms  p95 {row['p95']:6.2f} ms  max {row['max']:7.2f} ms"
                  f"  CPU {row['cpu']:5.2f} ms/request")
        print(f"  target p95 <= {TARGET_P95_MS:.0f} ms: {verdict}")
        load = os.getloadavg()
        print(f"\nload average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
