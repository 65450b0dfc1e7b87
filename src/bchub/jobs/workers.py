"""Worker names, and telling from a name whether that worker's process is gone.

Every worker that claims jobs is named ``<kind>@<host>:<pid>[/<thread>]`` (``embedded@web1:812/worker-2``,
``celery@web1:977``, ``inline@laptop:4410``). A job left ``running`` by a worker that stopped
heartbeating is recovered after the lease (any machine can tell that much); when the worker ran
on *this* machine and its process no longer exists, the scheduler need not wait that long.

"This machine" is judged by host name: containers that share one host name but not a process
namespace should get distinct names (Docker and Kubernetes give each its own by default).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from pathlib import Path

_NAME = re.compile(r"^[^@/]+@(?P<host>[^/]+):(?P<pid>\d+)(?:/.*)?$")


def worker_name(kind: str, thread: str | None = None) -> str:
    """This process's name for a worker of ``kind`` (and one of its threads)."""
    name = f"{kind}@{socket.gethostname()}:{os.getpid()}"
    return f"{name}/{thread}" if thread else name


def process_of(name: str) -> tuple[str, int] | None:
    """(host, pid) of a worker name, or None for a name that does not follow the pattern."""
    found = _NAME.match(name)
    if found is None:
        return None
    return found["host"], int(found["pid"])


def gone_from_this_host(name: str | None) -> bool:
    """True when ``name`` is a worker of this host whose process no longer runs."""
    where = process_of(name or "")
    if where is None or where[0] != socket.gethostname():
        return False
    return not process_alive(where[1])


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process here (a zombie, killed and not yet reaped, counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True
