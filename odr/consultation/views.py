"""Pages: /consult (pathways, letters), questions to a consultant, the inbox and the FAQ.

Pathway pages are public; state lives in the URL (`?trail=` lists the nodes already passed, for
the back link), so they work without JavaScript and can be bookmarked or shared.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..cases.case_page import region_choices
from ..core.enums import Category
from ..core.errors import NotFound, ValidationFailed
from ..core.i18n import is_chinese
from ..core.models import utcnow
from ..core.policy import authorize, can
from ..extensions import db
from . import operations, pathways
from .forms import AskForm, CloseForm, PublishForm, ReplyForm, letter_form_class
from .letters import render_letter
from .models import Message, Question, QuestionStatus

bp = Blueprint("consult", __name__, url_prefix="/consult")


def _lang() -> str:
    return "zh_CN" if is_chinese() else "en"


def _t(value):
    return pathways.text(value, _lang())


def filing_url() -> str:
    """Where to apply for mediation: the intake's /file once it exists, else the new-case page."""
    if any(rule.rule == "/file" for rule in current_app.url_map.iter_rules()):
        return "/file"
    return url_for("cases.new_case")


def status_label(status: QuestionStatus) -> str:
    return {
        QuestionStatus.OPEN: _("Waiting for an answer"),
        QuestionStatus.ANSWERED: _("Answered"),
        QuestionStatus.CLOSED: _("Closed"),
    }[QuestionStatus(status)]


@bp.context_processor
def _helpers():
    return {"tr": _t, "can": can, "status_label": status_label, "answer_hours": operations.answer_hours()}


def _pathway(pathway_id: str) -> pathways.Pathway:
    pathway = pathways.get(pathway_id)
    if pathway is None:
        raise NotFound()
    return pathway


@bp.route("")
def index():
    groups: dict[Category, list] = {}
    for pathway in pathways.all_pathways().values():
        groups.setdefault(pathway.category, []).append(pathway)
    return render_template("consultation/index.html", groups=groups)


@bp.route("/<pathway_id>")
def start(pathway_id: str):
    pathway = _pathway(pathway_id)
    return redirect(url_for("consult.node", pathway_id=pathway.id, node_id=pathway.root))


@bp.route("/<pathway_id>/<node_id>")
def node(pathway_id: str, node_id: str):
    pathway = _pathway(pathway_id)
    current = pathway.node(node_id)
    if current is None:
        raise NotFound()
    trail = [n for n in request.args.get("trail", "").split(",") if n in pathway.nodes][:20]
    back = None
    if trail:
        back = url_for("consult.node", pathway_id=pathway.id, node_id=trail[-1],
                       trail=",".join(trail[:-1]) or None)
    forward = ",".join(trail + [current["id"]])
    return render_template(
        "consultation/node.html", pathway=pathway, node=current, back=back, forward=forward,
        step=len(trail) + 1, filing_url=filing_url(),
        letter=pathway.letters.get(current.get("letter") or ""),
    )


@bp.route("/letters/<pathway_id>/<letter_id>", methods=["GET", "POST"])
def letter(pathway_id: str, letter_id: str):
    pathway = _pathway(pathway_id)
    spec = pathway.letters.get(letter_id)
    if spec is None:
        raise NotFound()
    lang = _lang()
    form = letter_form_class(spec, lang)()
    if form.validate_on_submit():
        values = {f["name"]: getattr(form, f["name"]).data or "" for f in spec["fields"]}
        pdf = render_letter(spec, values, lang)
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{letter_id}.pdf"',
            "Cache-Control": "private, no-store",
        })
    status = 422 if request.method == "POST" else 200
    return render_template("consultation/letter.html", pathway=pathway, letter=spec, form=form,
                           back=request.args.get("back")), status


# Questions to a consultant ----------------------------------------------------------------------

def _question(question_id: int, action: str = "consult.view") -> Question:
    question = db.session.execute(
        select(Question).where(Question.id == question_id)
        .options(selectinload(Question.messages).joinedload(Message.author))
    ).scalar()
    if question is None:
        raise NotFound()
    authorize(current_user, "consult.view", question)
    if action != "consult.view":
        authorize(current_user, action, question)
    return question


@bp.route("/ask", methods=["GET", "POST"])
@login_required
def ask():
    authorize(current_user, "consult.ask")
    form = AskForm()
    form.fill_choices(region_choices(), operations.own_cases(current_user))
    if request.method == "GET" and request.args.get("category") in {c.value for c in Category}:
        form.category.data = request.args["category"]
    if form.validate_on_submit():
        try:
            question = operations.ask(current_user, category=Category(form.category.data), body=form.body.data,
                                      region_id=form.region_id.data, case_id=form.case_id.data, lang=_lang())
        except ValidationFailed as error:
            db.session.rollback()
            for name, messages in error.fields.items():
                getattr(form, name).errors = list(messages)
        else:
            db.session.commit()
            flash(_("Your question has been sent. A consultant will answer by %(due)s.",
                    due=_when(question.due_at)), "success")
            return redirect(url_for("consult.question", question_id=question.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("consultation/ask.html", form=form), status


def _when(value) -> str:
    from flask_babel import format_datetime

    return format_datetime(value, "short")


@bp.route("/questions")
@login_required
def questions():
    return render_template("consultation/questions.html", questions=operations.my_questions(current_user),
                           now=utcnow())


def _render_question(question, form=None, status=200):
    return render_template(
        "consultation/question.html", question=question, form=form or ReplyForm(), close_form=CloseForm(),
        may_publish=can(current_user, "consult.publish", question), now=utcnow(),
        staff=operations.is_consultant_for(current_user, question),
    ), status


@bp.route("/questions/<int:question_id>")
@login_required
def question(question_id: int):
    return _render_question(_question(question_id))


@bp.route("/questions/<int:question_id>/reply", methods=["POST"])
@login_required
def reply(question_id: int):
    question = _question(question_id, "consult.reply")
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_question(question, form, 422)
    operations.reply(question, current_user, form.body.data)
    db.session.commit()
    flash(_("Your message has been sent."), "success")
    return redirect(url_for("consult.question", question_id=question.id), code=303)


@bp.route("/questions/<int:question_id>/close", methods=["POST"])
@login_required
def close(question_id: int):
    question = _question(question_id, "consult.close")
    if not CloseForm().validate_on_submit():
        abort(400)
    operations.close(question, current_user)
    db.session.commit()
    flash(_("The question is closed."), "success")
    return redirect(url_for("consult.question", question_id=question.id), code=303)


@bp.route("/questions/<int:question_id>/publish", methods=["GET", "POST"])
@login_required
def publish(question_id: int):
    question = _question(question_id, "consult.publish")
    form = PublishForm()
    if request.method == "GET":
        form.question_text.data, form.answer_text.data = operations.draft_faq(question)
    elif form.validate_on_submit():
        entry = operations.publish(question, current_user, question_text=form.question_text.data,
                                   answer_text=form.answer_text.data)
        db.session.commit()
        flash(_("Published to the FAQ."), "success")
        return redirect(url_for("consult.faq", _anchor=f"faq-{entry.id}"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("consultation/publish.html", question=question, form=form), status


@bp.route("/inbox")
@login_required
def inbox():
    authorize(current_user, "consult.inbox")
    try:
        status = QuestionStatus(request.args.get("status", QuestionStatus.OPEN.value))
    except ValueError:
        status = QuestionStatus.OPEN
    return render_template("consultation/inbox.html", questions=operations.inbox(current_user, status),
                           status=status, statuses=list(QuestionStatus), now=utcnow())


@bp.route("/faq")
def faq():
    query = request.args.get("q", "").strip()[:200]
    category = request.args.get("category")
    if category not in {c.value for c in Category}:
        category = None
    entries = operations.search_faq(query, category)
    return render_template("consultation/faq.html", entries=entries, query=query, category=category,
                           categories=list(Category))
