"""Mediation: rooms (real-time channels per case, stored messages with replay).

Sessions, proposals, blind bids, settlement drafts and signatures come later (issue 4).
"""
