"""Demo data for the embedded default (`flask --app wsgi odr seed-demo`)."""

DEMO_PASSWORD = "demo-password-2026"


def seed_demo(case_count: int = 60, force: bool = False):
    raise NotImplementedError


def demo_logins():
    return []
