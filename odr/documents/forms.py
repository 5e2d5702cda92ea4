from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.enums import CaseState, Category
from ..core.labels import label
from .models import DocumentType, ServiceMethod


class IssueForm(FlaskForm):
    type = SelectField(_l("Document"), validators=[DataRequired()])
    lang = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")],
                       validators=[DataRequired()])

    # For the papers that take them: the mediation record's text, the service a proof is of.
    record = TextAreaField(_l("Record of the mediation (for the mediation record)"),
                           validators=[Optional(), Length(max=20000)],
                           description=_l("What was discussed and agreed, as it is to be printed."))
    service_id = SelectField(_l("Service (for the proof of service)"), validators=[Optional()],
                             choices=[])

    def __init__(self, types: list[DocumentType], titles: dict, services=(), **kwargs):
        super().__init__(**kwargs)
        self.type.choices = [SelectChoice(t.value, titles[t]) for t in types]
        self.service_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(k), v) for k, v in services]

    def details(self) -> dict:
        return {"record": self.record.data or "", "service_id": self.service_id.data or None}


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: looking a code up changes nothing

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "placeholder": "XXXX-XXXX-XXXX", "spellcheck": "false"})


class UploadForm(FlaskForm):
    file = FileField(_l("The PDF you hold"), validators=[FileRequired(_l("Choose a PDF file."))],
                     render_kw={"accept": "application/pdf,.pdf"})


def _state_choices():
    return [SelectChoice("", "—")] + [SelectChoice(s.value, label(s)) for s in CaseState]


def _category_choices():
    return [SelectChoice("", "—")] + [SelectChoice(c.value, label(c)) for c in Category]


class _Range(FlaskForm):
    class Meta:
        csrf = False  # GET forms: searching changes nothing

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class DeskSearchForm(_Range):
    reference = StringField(_l("Case reference"), validators=[Optional(), Length(max=20)])
    party = StringField(_l("Party name"), validators=[Optional(), Length(max=120)])
    state = SelectField(_l("State"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state.choices = _state_choices()
        self.category.choices = _category_choices()


class DeskExportForm(_Range):
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    type = SelectField(_l("Document"), validators=[Optional()])
    lang = SelectField(_l("Language"), validators=[Optional()],
                       choices=[SelectChoice("", "—"), SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")])

    def __init__(self, organisations, titles: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [SelectChoice("", "—")] + [SelectChoice(str(o.id), o.name) for o in organisations]
        self.state.choices = _state_choices()
        self.type.choices = [SelectChoice("", "—")] + [SelectChoice(t.value, titles[t]) for t in DocumentType]


class ServiceForm(FlaskForm):
    party_id = SelectField(_l("Recipient"), validators=[DataRequired()])
    method = SelectField(_l("Method"), validators=[DataRequired()])
    served_on = DateField(_l("Date of service"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)],
                       description=_l("For example: signed for by the recipient, or returned by the post office."))

    def __init__(self, parties, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.party_id.choices = [SelectChoice(str(p.id), p.name) for p in parties]
        self.method.choices = [SelectChoice(ServiceMethod.IN_PERSON.value, _l("In person")),
                               SelectChoice(ServiceMethod.POST.value, _l("By post"))]
