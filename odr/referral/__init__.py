"""Referral and linkage (issue 6): referral to other bodies, the receiving body's inbox, courts
delegating cases into mediation, consent to share the mediation record, and case bundles."""
