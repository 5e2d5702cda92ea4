"""Conflicts of interest found from the particulars, not only declared (issue 9 item 3).

A mediator is held back from a case (the assignment's conflict_status becomes "pending", as
with a declared relation, until a clerk decides) when:
- a party has the mediator's family name and lives at the mediator's home address (family);
- a party is the organisation the mediator works for (their profile's employer), or a party's
  account is a member of one of the mediator's organisations (colleagues).
Names and addresses are compared after removing blanks and punctuation; Chinese family names
are the first character, or the first two for the common compound names.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

COMPOUND_SURNAMES = frozenset({"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
                               "夏侯", "长孙", "宇文", "司徒", "端木", "呼延", "南宫", "澹台", "轩辕", "西门"})


def _plain(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[\s\W_]+", "", text)


def family_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    if re.match(r"[\u4e00-\u9fff]", name):
        return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return name.split()[-1].lower()


def detected_conflicts(case, mediator) -> list[tuple[str, int, str]]:
    """What in the particulars ties `mediator` to a party of `case`, as (kind, party id, words);
    an empty list: nothing."""
    from ..auth.models import User
    from ..extensions import db
    from .operations import profile_of

    profile = profile_of(mediator.id)
    mediator_orgs = {m.organisation_id for m in mediator.memberships}
    found = []
    for party in case.parties:
        if (profile is not None and profile.home_address and party.address
                and family_name(party.name) == family_name(mediator.name)
                and _plain(party.address) == _plain(profile.home_address)):
            found.append(("family", party.id, _("%(party)s has the mediator's family name and address.",
                                                party=party.name)))
        if profile is not None and profile.employer and _plain(party.name) == _plain(profile.employer):
            found.append(("employer", party.id, _("The mediator works for %(party)s.", party=party.name)))
        account = db.session.get(User, party.user_id) if party.user_id else None
        if account is not None and account.id != mediator.id and \
                mediator_orgs & {m.organisation_id for m in account.memberships}:
            found.append(("colleague", party.id, _("%(party)s belongs to the mediator's organisation.",
                                                   party=party.name)))
    return found


def hold_if_conflicted(case, assignment, mediator) -> list:
    """Called when a mediator is assigned: a detected conflict holds the assignment for a clerk."""
    from ..cases.operations import tell_clerks_of_conflict
    from ..core.audit import record

    found = detected_conflicts(case, mediator)
    if found:
        assignment.conflict_status = "pending"
        assignment.has_relation = True
        assignment.relation_details = " ".join(words for _kind, _party, words in found)[:2000]
        # The audit entry names kinds and party ids, never names or addresses.
        record("case.mediator_conflict_detected", case=case, mediator_id=mediator.id,
               found=[[kind, party_id] for kind, party_id, _words in found])
        tell_clerks_of_conflict(case, mediator)
    return found
