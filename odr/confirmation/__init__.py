"""Judicial confirmation (司法确认) of a settlement agreement: the parties' joint application, the
court clerk's inbox and review, the ruling issued as a paper (docs/confirmation.md)."""
