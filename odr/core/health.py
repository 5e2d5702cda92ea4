"""/healthz: a constant answer. Load balancers poll it; benchmarks use it as the stack's floor."""

from flask import Blueprint, jsonify

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")
