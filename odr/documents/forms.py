from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .models import DocumentType


class IssueForm(FlaskForm):
    type = SelectField(_l("Document"), validators=[DataRequired()])
    lang = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")],
                       validators=[DataRequired()])

    def __init__(self, types: list[DocumentType], titles: dict, **kwargs):
        super().__init__(**kwargs)
        self.type.choices = [SelectChoice(t.value, titles[t]) for t in types]


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: looking a code up changes nothing

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "placeholder": "XXXX-XXXX-XXXX", "spellcheck": "false"})


class UploadForm(FlaskForm):
    file = FileField(_l("The PDF you hold"), validators=[FileRequired(_l("Choose a PDF file."))],
                     render_kw={"accept": "application/pdf,.pdf"})
