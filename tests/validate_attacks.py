"""The validator's attack suite (issue #16): one job per route by which user code used to escape the sandbox.

Every job starts with a real finding (an IPL003 the probe confirms at line 4), so the validator really runs it, then
tries one route. ``run_routes`` runs them all through one warm worker and returns, per route, the result, whether
the canary folder (outside the job folder and outside /tmp) changed, which processes of the run were left, what
reached the test's 127.0.0.1 listener and what appeared in the real /dev/shm. ``test_validate_attacks.py`` runs it
in-process (as the current user: root in CI) and, as root, a second time as an unprivileged user
(``python tests/validate_attacks.py OUT.json`` under ``setpriv``).
"""
from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time
from typing import Any, Dict, List

FINDING = ("import torch\n"
           "x = torch.randn(3, requires_grad=True)\n"
           "y = x.sigmoid()\n"
           "y.mul_(2)\n"
           "try:\n"
           "    y.sum().backward()\n"
           "except RuntimeError:\n"
           "    pass\n"
           "import os, sys, subprocess, time, signal\n")
CONFIRMED_LINE = 4

# {canary}: a file outside the job folder; {folder}: its folder; {model}: an existing checkpoint there;
# {port}: the test's listener; {tag}: a name unique to this run; {python}: this interpreter.
ROUTES: Dict[str, str] = {
    "subprocess-rm": "subprocess.run(['rm', '-f', {canary!r}])\n",
    "shell-redirect": "subprocess.run(['sh', '-c', 'echo forged > ' + {canary!r}])\n",
    "open-dir-fd": ("fd = os.open({folder!r}, os.O_RDONLY)\n"
                    "try:\n"
                    "    os.write(os.open('canary.txt', os.O_WRONLY | os.O_TRUNC, dir_fd=fd), b'forged')\n"
                    "except OSError:\n"
                    "    pass\n"),
    "unlink-dir-fd": ("fd = os.open({folder!r}, os.O_RDONLY)\n"
                      "try:\n"
                      "    os.unlink('canary.txt', dir_fd=fd)\n"
                      "except OSError:\n"
                      "    pass\n"),
    "ctypes-open": ("import ctypes\n"
                    "libc = ctypes.CDLL(None, use_errno=True)\n"
                    "fd = libc.open({canary!r}.encode(), os.O_WRONLY | os.O_TRUNC)\n"
                    "if fd >= 0:\n"
                    "    libc.write(fd, b'forged', 6)\n"
                    "libc.unlink({canary!r}.encode())\n"),
    "mkfifo": ("try:\n"
               "    os.mkfifo(os.path.join({folder!r}, 'fifo'))\n"
               "except OSError:\n"
               "    pass\n"),
    "sqlite": ("import sqlite3\n"
               "try:\n"
               "    sqlite3.connect(os.path.join({folder!r}, 'db.sqlite')).execute('create table t (x)')\n"
               "except Exception:\n"
               "    pass\n"),
    "unix-socket-bind": ("import socket\n"
                         "try:\n"
                         "    socket.socket(socket.AF_UNIX).bind(os.path.join({folder!r}, 'sock'))\n"
                         "except OSError:\n"
                         "    pass\n"),
    "fchmod": ("fd = os.open({canary!r}, os.O_RDONLY)\n"
               "try:\n"
               "    os.fchmod(fd, 0o777)\n"
               "except OSError:\n"
               "    pass\n"),
    "exec": ("pid = os.fork()\n"
             "if pid == 0:\n"
             "    os.execv('/bin/sh', ['sh', '-c', 'echo forged > ' + {canary!r}])\n"
             "os.waitpid(pid, 0)\n"),
    "torch-save-checkpoint": ("try:\n"
                              "    torch.save({{'w': torch.zeros(2)}}, {model!r})\n"
                              "except RuntimeError:\n"
                              "    pass\n"),
    "dev-shm": ("with open('/dev/shm/' + {tag!r}, 'w') as fh:\n"
                "    fh.write('left for the next job')\n"),
    "setsid-child": ("subprocess.Popen([sys.executable, '-c', 'import time\\nfor _ in range(60):\\n"
                     "    time.sleep(0.1)\\n    open(' + repr({canary!r}) + ', \"w\").write(\"late\")'],\n"
                     "                 start_new_session=True)\n"),
    "kill-parent": ("subprocess.Popen([sys.executable, '-c', 'import time\\nfor _ in range(60):\\n"
                    "    time.sleep(0.1)\\n    open(' + repr({canary!r}) + ', \"w\").write(\"late\")'],\n"
                    "                 start_new_session=True)\n"
                    "time.sleep(0.3)\n"
                    "os.kill(os.getppid(), signal.SIGKILL)\n"
                    "time.sleep(2)\n"),
    "spawn-many": ("import multiprocessing as mp\n"
                   "if __name__ == '__main__':\n"
                   "    procs = []\n"
                   "    for _ in range(40):\n"
                   "        try:\n"
                   "            p = mp.get_context('spawn').Process(target=time.sleep, args=(20,))\n"
                   "            p.start()\n"
                   "            procs.append(p)\n"
                   "        except Exception:\n"
                   "            break\n"
                   "    time.sleep(2)\n"),
    "child-interpreter": ("subprocess.run([sys.executable, '-c', 'import os, time\\nfor _ in range(40):\\n"
                          "    if os.fork() == 0:\\n        time.sleep(20)\\n        os._exit(0)\\ntime.sleep(20)'])\n"),
    "ctypes-fork": ("import ctypes\n"
                    "libc = ctypes.CDLL(None)\n"
                    "for _ in range(40):\n"
                    "    if libc.fork() == 0:\n"
                    "        time.sleep(20)\n"
                    "        os._exit(0)\n"
                    "time.sleep(1.5)\n"),
    "memory-across-processes": ("children = []\n"
                                "for _ in range(4):\n"
                                "    pid = os.fork()\n"
                                "    if pid == 0:\n"
                                "        blob = torch.arange(80 * 1024 * 1024)  # 640 MiB of distinct pages\n"
                                "        time.sleep(20)\n"
                                "        os._exit(0)\n"
                                "    children.append(pid)\n"
                                "for pid in children:  # (touching 2.5 GiB takes seconds on a busy machine)\n"
                                "    os.waitpid(pid, 0)\n"),
    "forge-json-dumps": ("import json\n"
                         "json.dumps = lambda *a, **k: '{{\"status\": \"ok\", \"events\": [], \"hits\": {{}}}}'\n"
                         "json.JSONEncoder.encode = lambda self, o: json.dumps(o)\n"),
    "forge-result-pipe": ("for fd in range(3, 256):\n"
                          "    try:\n"
                          "        os.write(fd, b'{{\"status\": \"ok\", \"events\": [], \"hits\": {{}}}}\\n')\n"
                          "    except OSError:\n"
                          "        pass\n"),
    "network": ("import socket\n"
                "try:\n"
                "    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                "    s.sendall(b'leaked')\n"
                "except OSError:\n"
                "    pass\n"),
}

# What each route must leave in the report: a sandbox note containing this text (every route is named, also the
# ones the namespaces make harmless: a file left in the private /dev/shm, a signal to the job's init).
NAMED = {
    "subprocess-rm": "read-only file system", "shell-redirect": "read-only file system",
    "open-dir-fd": "read-only file system", "unlink-dir-fd": "outside the temporary folder",
    "ctypes-open": "open() looked up through ctypes", "mkfifo": "read-only file system",
    "sqlite": "outside the temporary folder", "unix-socket-bind": "outside the temporary folder",
    "fchmod": "outside the temporary folder", "exec": "read-only file system",
    "torch-save-checkpoint": "read-only file system", "dev-shm": "left 1 file in /dev/shm",
    "setsid-child": "still running", "kill-parent": "to its parent", "spawn-many": "processes",
    "child-interpreter": "processes", "ctypes-fork": "processes", "memory-across-processes": "MiB",
    "forge-json-dumps": "replaced the JSON encoder", "forge-result-pipe": "result channel",
    "network": "network access refused",
}
MEMORY_MB = 2048


def snapshot(folder: str) -> Dict[str, Any]:
    out = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        st = os.lstat(path)
        with open(path, "rb") as fh:
            out[name] = (fh.read(), st.st_mode, st.st_mtime_ns)
    return out


def job_processes(marker: str, worker_pid: int) -> List[str]:
    """Processes of the run (their environment names the runner's folder) other than the worker itself."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in (worker_pid, os.getpid()):
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read()
            with open(f"/proc/{entry}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in (b"Z", b"X") and f"INPLACE_LINT_VALIDATE_CHILD={marker}".encode() in env.split(b"\0"):
            found.append(entry)
    return found


def make_canaries(base: str) -> str:
    folder = tempfile.mkdtemp(prefix="ipl-attack-canary-", dir=base)
    os.chmod(folder, 0o777)  # writable by anyone: only the sandbox can stop the job (also as a dropped user)
    for name, data in (("canary.txt", b"precious"), ("model.pt", b"trained weights")):
        path = os.path.join(folder, name)
        with open(path, "wb") as fh:
            fh.write(data)
        os.chmod(path, 0o666)
    return folder


def canary_base() -> str:
    """A folder outside /tmp (the job's /tmp is private, a canary there would prove nothing)."""
    for base in ("/var/tmp", os.path.expanduser("~")):
        if os.path.isdir(base) and os.access(base, os.W_OK) and not base.startswith("/tmp"):
            return base
    raise RuntimeError("no writable folder outside /tmp for the canaries")


def run_routes(names=None, folder=None) -> Dict[str, Dict[str, Any]]:
    from inplace_lint.validate.sandbox import Limits, Worker

    names = list(names or ROUTES)
    own = folder is None
    folder = folder or make_canaries(canary_base())
    tag = f"ipl-attack-{os.getpid()}-{time.time_ns()}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    out: Dict[str, Dict[str, Any]] = {}
    try:
        with Worker(Limits(timeout=20, memory_mb=MEMORY_MB)) as worker:
            for name in names:
                before = snapshot(folder)
                source = FINDING + ROUTES[name].format(canary=os.path.join(folder, "canary.txt"), folder=folder,
                                                       model=os.path.join(folder, "model.pt"), port=port,
                                                       tag=tag, python=sys.executable)
                path = os.path.join(folder, "job.py")  # the job's file, for spawned children to import
                with open(path, "w") as fh:
                    fh.write(source)
                result = worker.run({"kind": "script", "path": path, "source": source, "lines": [CONFIRMED_LINE],
                                     "inspect": []})
                time.sleep(0.5)  # a survivor would write the canary within this time
                left = job_processes(worker.root, worker.proc.pid if worker.proc else -1)
                connections = []
                try:
                    conn, _ = listener.accept()
                    connections.append(conn.recv(100).decode("latin-1"))
                    conn.close()
                except (BlockingIOError, OSError):
                    pass
                after = snapshot(folder)
                out[name] = {
                    "result": {k: result.get(k) for k in ("status", "error", "sandbox", "escaped", "isolation",
                                                          "events", "exception", "job_status", "memory_peak_mb")},
                    "isolation": worker.isolation,
                    "canary_changed": sorted(k for k in set(before) | set(after)
                                             if k != "job.py" and before.get(k) != after.get(k)),
                    "left": left,
                    "connections": connections,
                    "shm_left": os.path.exists("/dev/shm/" + tag),
                }
                try:
                    os.unlink("/dev/shm/" + tag)
                except OSError:
                    pass
    finally:
        listener.close()
        if own:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    return out


if __name__ == "__main__":  # python tests/validate_attacks.py OUT.json [CANARY_FOLDER]
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    results = run_routes(folder=sys.argv[2] if len(sys.argv) > 2 else None)
    with open(sys.argv[1], "w") as fh:
        json.dump({"uid": os.getuid(), "results": results}, fh)
