"""What every API schema shares: the base schema, error messages in the user's language, the
error body, safe text, and keyset pagination.

Error messages. marshmallow's own messages are English. A `Message` is the English text (the
gettext msgid, marked with `N_` so that `pybabel extract` finds it) that translates itself when
marshmallow formats it: fields format their messages with `str.format` only when the message is
a `str` (`Field.make_error`), and validators call `.format` on theirs, so a lazy_gettext object
would leave `{min}` unfilled. `Schema.on_bind_field` puts these messages on every field of every
schema; the validators below (`Length`, `Range`, `OneOf`, `Regexp`) carry them too.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date

import marshmallow as ma
from flask_babel import gettext
from marshmallow import fields, validate

MAX_ID = 2**31 - 1  # integer primary keys: anything larger cannot name a row
MAX_TEXT = 20_000  # TEXT columns (facts, claims) have no limit in the database; the API has one


class Message(str):
    """An English message that is translated into the request's language when formatted."""

    __slots__ = ()

    def format(self, *args, **kwargs) -> str:
        return gettext(str(self)).format(*args, **kwargs)


def N_(text: str) -> Message:  # noqa: N802 (the conventional name of gettext's "mark only")
    return Message(text)


def translate(message) -> str:
    """A message as the user reads it (field messages arrive formatted; schema ones do not)."""
    return message.format() if isinstance(message, Message) else str(message)


# Messages by error key, for every field; then by field class (the most specific class wins).
COMMON_MESSAGES = {
    "required": N_("This field is required."),
    "null": N_("This field may not be empty."),
    "validator_failed": N_("This value is not valid."),
}
TYPE_MESSAGES: dict[type, dict[str, Message]] = {
    fields.String: {"invalid": N_("Not a valid text.")},
    fields.Number: {"invalid": N_("Not a valid number."), "too_large": N_("This number is too large.")},
    fields.Integer: {"invalid": N_("Not a valid whole number.")},
    fields.Decimal: {"special": N_("Not a valid number.")},
    fields.Boolean: {"invalid": N_("Not a valid yes/no value.")},
    fields.Date: {"invalid": N_("Not a valid date (use YYYY-MM-DD).")},
    fields.DateTime: {"invalid": N_("Not a valid date and time.")},
    fields.Email: {"invalid": N_("Not a valid e-mail address.")},
    fields.Enum: {"unknown": N_("Must be one of: {choices}.")},
    fields.List: {"invalid": N_("Not a valid list.")},
    fields.Nested: {"type": N_("Not a valid object.")},
    fields.Mapping: {"invalid": N_("Not a valid object.")},
}


class Length(validate.Length):
    message_min = N_("At least {min} characters.")
    message_max = N_("At most {max} characters.")
    message_all = N_("Between {min} and {max} characters.")
    message_equal = N_("Exactly {equal} characters.")


class Range(validate.Range):
    """marshmallow's Range, reporting only the bound that was crossed, in the user's language."""

    def __init__(self, min=None, max=None, *, min_inclusive=True, max_inclusive=True, error=None):  # noqa: A002
        super().__init__(min, max, min_inclusive=min_inclusive, max_inclusive=max_inclusive, error=error)
        # marshmallow formats these at construction; ours are chosen here and formatted on use.
        self.message_min = N_("Must be at least {min}.") if min_inclusive else N_("Must be more than {min}.")
        self.message_max = N_("Must be at most {max}.") if max_inclusive else N_("Must be less than {max}.")

    def __call__(self, value):
        if self.min is not None and (value < self.min if self.min_inclusive else value <= self.min):
            raise ma.ValidationError(self._format_error(value, self.message_min))
        if self.max is not None and (value > self.max if self.max_inclusive else value >= self.max):
            raise ma.ValidationError(self._format_error(value, self.message_max))
        return value


class OneOf(validate.OneOf):
    default_message = N_("Must be one of: {choices}.")


class Regexp(validate.Regexp):
    default_message = N_("Not in the expected format.")


class Text(fields.String):
    """A string that is safe to store: no control characters, no lone surrogates (PostgreSQL
    refuses NUL and invalid UTF-8 with a 500 otherwise), surrounding white space removed."""

    default_error_messages = {"control": N_("Contains characters that are not allowed.")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise self.make_error("control") from error
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
            raise self.make_error("control")
        return text


class Amount(fields.Decimal):
    """Money as in a Numeric(14, 2) column: 0 <= amount < 10**12, two decimals, dumped as a string
    (a JSON number is accepted too). Documented as a decimal string: the range is checked here
    rather than by a declared validator, whose bounds apispec would write as strings."""

    MAX = 10**12

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "format": "decimal", "pattern": r"^\d{1,12}(\.\d{1,2})?$", "example": "12000.00"})
        super().__init__(places=2, as_string=True, **kwargs)
        self._range = Range(0, self.MAX, max_inclusive=False)

    def _deserialize(self, value, attr, data, **kwargs):
        return self._range(super()._deserialize(value, attr, data, **kwargs))


def Id(**kwargs) -> fields.Integer:  # noqa: N802 (a field factory, used like a field class)
    """A row id: a whole number in the range of the database's integer keys."""
    return fields.Integer(validate=Range(1, MAX_ID), **kwargs)


def Day(**kwargs) -> fields.Date:  # noqa: N802
    """A calendar date in a range that converts to a timestamp in every time zone."""
    return fields.Date(validate=Range(date(1900, 1, 1), date(9999, 12, 30)), **kwargs)


class Schema(ma.Schema):
    """The project's base schema: translated messages on every field, unknown keys refused."""

    class Meta:
        unknown = ma.RAISE

    error_messages = {
        "unknown": N_("Unknown field."),
        "type": N_("Not a valid object."),
    }

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        messages = dict(COMMON_MESSAGES)
        for cls in reversed(type(field_obj).__mro__):
            messages.update(TYPE_MESSAGES.get(cls, {}))
        # Keep any message a field was given on purpose (a key marshmallow has no default for).
        field_obj.error_messages = {**field_obj.error_messages, **{
            key: text for key, text in messages.items() if key in field_obj.error_messages
        }}


# The error body, for the OpenAPI document (odr/core/errors.py writes it).
class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code, e.g. not_found, validation_failed."})
    message = fields.String(required=True, metadata={"description": "What went wrong, in the user's language."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "Messages per input field (nested fields as `parent.child`)."},
    )
    current_version = fields.Integer(
        metadata={"description": "With code `stale_version`: the version the object has now."}
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# Keyset pagination: newest first by id. The cursor is the last id of a page, made opaque so
# that clients treat it as a token; a forged one can only move within what the filters allow.
def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"before": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Cursor(fields.String):
    """Loads an opaque cursor into the id the page continues below."""

    default_error_messages = {"invalid": N_("Not a valid cursor.")}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 100:
            raise self.make_error("invalid")
        try:
            before = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))["before"]
        except (binascii.Error, ValueError, TypeError, KeyError) as error:
            raise self.make_error("invalid") from error
        if not isinstance(before, int) or isinstance(before, bool) or not 1 <= before <= MAX_ID + 1:
            raise self.make_error("invalid")
        return before


class PageArgsSchema(Schema):
    class Meta:
        unknown = ma.EXCLUDE  # the query string carries the filters too

    limit = fields.Integer(load_default=50, validate=Range(1, 100))
    cursor = Cursor(load_default=None, metadata={"description": "`next_cursor` of the previous page."})


def keyset_page(session, stmt, id_column, *, limit: int, cursor: int | None):
    """Run `stmt` (already filtered) for one page, newest first: (rows, next_cursor or None)."""
    if cursor is not None:
        stmt = stmt.where(id_column < cursor)
    rows = session.execute(stmt.order_by(id_column.desc()).limit(limit + 1)).unique().scalars().all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id)
