"""Self-help pathways: guided question trees kept as YAML data files next to this module.

Each file in odr/consultation/pathways/ is one pathway. It is read and checked on first use by the
marshmallow schema below, then its graph is checked (the root exists, every link resolves, every
question has at least two answers, every outcome cites at least one article, every letter an
outcome names is declared). A bad file raises PathwayError naming the file and the problem, so a
broken pathway fails the tests and the start of the service, never a user's page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..core.enums import Category

PATHWAY_DIR = Path(__file__).resolve().parent / "pathways"
LANGS = ("zh_CN", "en")
SLUG = r"^[a-z][a-z0-9_]{1,40}$"
# Path segments that are pages of their own under /consult, so never a pathway id.
RESERVED = frozenset({"ask", "inbox", "faq", "questions", "letters"})
FIELD_TYPES = ("text", "textarea", "amount", "date")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: about 10x faster


class PathwayError(ValueError):
    """A pathway file that cannot be used, with the file and the problem in the message."""


class Text(fields.Dict):
    """A text in both languages: {"zh_CN": "...", "en": "..."}, neither empty."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        missing = [lang for lang in LANGS if not isinstance(value.get(lang), str) or not value[lang].strip()]
        extra = sorted(set(value) - set(LANGS))
        if missing or extra:
            raise ValidationError(f"needs a non-empty text for {', '.join(LANGS)}"
                                  + (f"; unknown keys {extra}" if extra else "")
                                  + (f"; missing {missing}" if missing else ""))
        return {lang: value[lang].strip() for lang in LANGS}


class TextList(fields.Dict):
    """A list of texts in both languages: {"zh_CN": [...], "en": [...]}, of the same length."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if set(value) != set(LANGS):
            raise ValidationError(f"needs exactly the keys {', '.join(LANGS)}")
        lists = [value[lang] for lang in LANGS]
        for lang in LANGS:
            items = value[lang]
            if not isinstance(items, list) or not items:
                raise ValidationError(f"{lang} needs a non-empty list of texts")
            for number, item in enumerate(items, 1):
                if not isinstance(item, str) or not item.strip():
                    raise ValidationError(f"{lang} item {number} is not a text: {item!r} (quote a line "
                                          "that contains ': ' in YAML)")
        if len({len(v) for v in lists}) != 1:
            raise ValidationError("both languages need the same number of items")
        return {lang: [s.strip() for s in value[lang]] for lang in LANGS}


class CitationSchema(Schema):
    law = Text(required=True)
    article = fields.String(required=True, validate=validate.Length(min=1, max=40))
    summary = Text(required=True)


class AnswerSchema(Schema):
    label = Text(required=True)
    next = fields.String(required=True, validate=validate.Regexp(SLUG))


class StepSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["negotiate", "mediation", "arbitration", "court", "authority", "police", "insurer"]))
    text = Text(required=True)


class NodeSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(SLUG))
    question = Text()
    help = Text()
    answers = fields.List(fields.Nested(AnswerSchema))
    # Outcome nodes:
    title = Text()
    explanation = TextList()
    citations = fields.List(fields.Nested(CitationSchema))
    evidence = TextList()
    steps = fields.List(fields.Nested(StepSchema))
    local_figures = Text()  # what depends on local figures (average wage, LPR of the day...)
    letter = fields.String(validate=validate.Regexp(SLUG))

    @validates_schema
    def _one_kind(self, data, **kwargs):
        if "question" in data:
            if len(data.get("answers") or []) < 2:
                raise ValidationError("a question node needs at least two answers", "answers")
            stray = {"title", "explanation", "citations", "evidence", "steps", "letter"} & set(data)
            if stray:
                raise ValidationError(f"a question node cannot have {sorted(stray)}")
        else:
            for key in ("title", "explanation", "citations", "evidence", "steps"):
                if not data.get(key):
                    raise ValidationError(f"an outcome node needs {key!r} (or a 'question' with answers)", key)
            if "answers" in data:
                raise ValidationError("an outcome node has no answers", "answers")


class LetterFieldSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,30}$"))
    label = Text(required=True)
    type = fields.String(load_default="text", validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=True)
    max = fields.Integer(load_default=200, validate=validate.Range(min=1, max=4000))
    hint = Text()


class LetterSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(SLUG))
    title = Text(required=True)
    description = Text(required=True)
    fields_ = fields.List(fields.Nested(LetterFieldSchema), data_key="fields", required=True,
                          validate=validate.Length(min=1))
    recipient = fields.String(required=True)  # the field naming who the letter is addressed to
    sender = fields.String(required=True)  # the field naming who signs it
    body = TextList(required=True)  # paragraphs with {field} placeholders

    @validates_schema
    def _placeholders(self, data, **kwargs):
        names = {f["name"] for f in data.get("fields_", [])}
        for key in ("recipient", "sender"):
            if data.get(key) not in names:
                raise ValidationError(f"{key} must name one of the fields {sorted(names)}", key)
        for lang, paragraphs in (data.get("body") or {}).items():
            for paragraph in paragraphs:
                unknown = set(re.findall(r"{(\w+)}", paragraph)) - names
                if unknown:
                    raise ValidationError(f"body ({lang}) uses undeclared fields {sorted(unknown)}", "body")


class PathwaySchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(SLUG))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in Category]))
    order = fields.Integer(load_default=100)
    title = Text(required=True)
    summary = Text(required=True)
    root = fields.String(required=True, validate=validate.Regexp(SLUG))
    nodes = fields.List(fields.Nested(NodeSchema), required=True, validate=validate.Length(min=2))
    letters = fields.List(fields.Nested(LetterSchema), load_default=list)


@dataclass(frozen=True)
class Pathway:
    id: str
    version: int
    category: Category
    order: int
    title: dict
    summary: dict
    root: str
    nodes: dict  # id -> node dict
    letters: dict  # id -> letter dict
    source: str

    def node(self, node_id: str) -> dict | None:
        return self.nodes.get(node_id)


def check_graph(data: dict, source: str) -> None:
    """Links, reachability and citations of one loaded pathway; PathwayError on the first problem."""
    nodes = {}
    for node in data["nodes"]:
        if node["id"] in nodes:
            raise PathwayError(f"{source}: node {node['id']!r} is defined twice")
        nodes[node["id"]] = node
    letters = {letter["id"] for letter in data["letters"]}
    if data["root"] not in nodes:
        raise PathwayError(f"{source}: root {data['root']!r} is not a node")
    if data["id"] in RESERVED:
        raise PathwayError(f"{source}: {data['id']!r} is a reserved page name")
    for node in nodes.values():
        for answer in node.get("answers") or []:
            if answer["next"] not in nodes:
                raise PathwayError(f"{source}: node {node['id']!r} links to missing node {answer['next']!r}")
        if node.get("letter") and node["letter"] not in letters:
            raise PathwayError(f"{source}: node {node['id']!r} offers undeclared letter {node['letter']!r}")
    seen, todo = set(), [data["root"]]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(a["next"] for a in nodes[current].get("answers") or [])
    unreachable = sorted(set(nodes) - seen)
    if unreachable:
        raise PathwayError(f"{source}: nodes not reachable from the root: {unreachable}")


def load_file(path: Path) -> Pathway:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as error:
        raise PathwayError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise PathwayError(f"{path.name}: the file must hold one mapping (a pathway)")
    try:
        data = PathwaySchema().load(raw)
    except ValidationError as error:
        raise PathwayError(f"{path.name}: {error.messages}") from error
    if data["id"] != path.stem:
        raise PathwayError(f"{path.name}: id {data['id']!r} must match the file name")
    check_graph(data, path.name)
    for letter in data["letters"]:
        letter["fields"] = letter.pop("fields_")
    return Pathway(
        id=data["id"], version=data["version"], category=Category(data["category"]), order=data["order"],
        title=data["title"], summary=data["summary"], root=data["root"],
        nodes={n["id"]: n for n in data["nodes"]}, letters={x["id"]: x for x in data["letters"]},
        source=path.name,
    )


@lru_cache(maxsize=1)
def all_pathways() -> dict[str, Pathway]:
    """Every pathway, by id, in display order (category order, then `order`)."""
    loaded = [load_file(path) for path in sorted(PATHWAY_DIR.glob("*.yaml"))]
    loaded.sort(key=lambda p: (list(Category).index(p.category), p.order, p.id))
    return {p.id: p for p in loaded}


def get(pathway_id: str) -> Pathway | None:
    return all_pathways().get(pathway_id)


def text(value: dict, lang: str):
    """The text (or list) of a bilingual value in `lang` ("zh..." → zh_CN, anything else → en)."""
    return value["zh_CN" if lang.startswith("zh") else "en"]
