"""Entry point: `gunicorn wsgi:app` in production, `python wsgi.py` for the embedded default."""

import os

from odr import create_app
from odr.extensions import socketio

app = create_app()

if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f"odr is running at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    # The embedded default's periodic jobs (reminders, escalations, outbox retries): a thread of
    # this process, unless JOBS_SCHEDULER=off or a Celery broker is configured.
    from odr.notifications.tasks import start_scheduler

    start_scheduler(app, default="thread")
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
