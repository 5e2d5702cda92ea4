"""The test room servers (tests/roomserver.py) die with the test run, even when it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A stand-in for a pytest run: starts a room server, reports the server's processes, waits.
RUN = """
import os, sys, tempfile, time
from pathlib import Path
from tests.roomserver import RoomServer
server = RoomServer(sys.argv[1], Path(tempfile.mkdtemp(prefix="odr-lifetime-"))).start()
master = server.process.pid
workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
print(master, *workers, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"  # a zombie has ended; only its exit status waits to be collected


def test_a_killed_test_run_takes_its_room_server_with_it(app):
    run = subprocess.Popen([sys.executable, "-c", RUN, app.config["SQLALCHEMY_DATABASE_URI"]],
                           cwd=ROOT, stdout=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        pids = [int(pid) for pid in run.stdout.readline().split()]
        assert len(pids) == 2, pids  # the gunicorn master and its one worker
        assert all(_alive(pid) for pid in pids)
        run.send_signal(signal.SIGKILL)  # no atexit, no teardown: only the kernel can act now
        run.wait(timeout=5)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in pids if _alive(pid)]
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        run.stdout.close()
