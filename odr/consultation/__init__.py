"""Consultation (在线咨询): self-help pathways, letters, questions to a consultant and the FAQ."""
