"""API tokens for the signed-in user: create (the secret is shown once), list, revoke.

Tokens are made from the browser session only: a leaked token cannot mint more tokens.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import select

from ..core.api import ApiBlueprint, authenticated_by_token
from ..core.errors import NotAllowed, NotFound
from ..core.schemas import Length, Range, Schema, Text
from ..extensions import db
from . import operations
from .models import ApiToken

blp = ApiBlueprint("tokens_api", __name__, description="API tokens of the signed-in user")


class TokenInSchema(Schema):
    name = Text(required=True, validate=Length(1, 80))
    days = fields.Integer(load_default=None, allow_none=True, validate=Range(1, 366),
                          metadata={"description": "Valid for this many days; none: until revoked."})


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The first characters, to recognise it."})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The token itself. Shown this once, never stored."})


@blp.route("/tokens")
@blp.response(200, TokenSchema(many=True))
@blp.errors(401)
def list_tokens():
    return db.session.execute(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).scalars().all()


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenInSchema)
@blp.response(201, NewTokenSchema)
@blp.errors(401, 403)
def create_token(data):
    """Make a token for yourself. Needs the browser session (and its CSRF token)."""
    if authenticated_by_token():
        raise NotAllowed(_("API tokens can only be made while signed in on the website."))
    token, secret = operations.create_api_token(current_user, data["name"], days=data["days"])
    db.session.commit()
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "created_at": token.created_at,
            "expires_at": token.expires_at, "token": secret}


@blp.route("/tokens/<id:token_id>", methods=["DELETE"])
@blp.response(204)
@blp.errors(401, 404)
def revoke_token(token_id):
    """Revoke one of your tokens (another user's is a 404)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise NotFound()
    if token.revoked_at is None:
        operations.revoke_api_token(token, current_user)
        db.session.commit()
