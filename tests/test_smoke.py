from odr.core.enums import CaseState
from odr.extensions import db

from .factories import make_case


def test_case_walks_to_every_state(world):
    for state in CaseState:
        case = make_case(world, state)
        assert case.state == state
    db.session.commit()


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"password" in response.data.lower()
