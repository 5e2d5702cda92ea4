from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from .operations import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS


class RetentionForm(FlaskForm):
    days = IntegerField(
        _l("Retention period after closure (days)"),
        description=_l("A party's request to anonymise a closed case is carried out this many days after the case closed."),
        validators=[InputRequired(message=_l("Enter a number of days.")),
                    NumberRange(MIN_RETENTION_DAYS, MAX_RETENTION_DAYS,
                                message=_l("Between %(min)s and %(max)s days."))],
    )
