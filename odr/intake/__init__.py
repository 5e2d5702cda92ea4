"""Intake: step-by-step filing, filing for a resident, QR posters, routing and risk flags."""
