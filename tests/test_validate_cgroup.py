"""Per-job cgroup v2 limits (``inplace_lint/validate/cgroup.py``): where the jobs' groups go, or why there are none,
read from a stand-in ``/proc`` and cgroup file system in a temporary folder (the CI machines have cgroup v1 only, so
the kernel side -- the limits biting -- is not exercised here; the writes it would get are checked)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from inplace_lint.validate import cgroup

V2 = "29 23 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
HYBRID = ("30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n"
          "31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n"
          "32 25 0:28 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids\n")
V1 = "31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n"
SCOPE = "/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope"


def fake(tmp_path: Path, mountinfo: str, membership: str, groups: dict) -> str:
    """A root with proc/self/{mountinfo,cgroup} and cgroup folders: {path: {interface file: content}}."""
    proc = tmp_path / "proc" / "self"
    proc.mkdir(parents=True)
    (proc / "mountinfo").write_text(mountinfo)
    (proc / "cgroup").write_text(membership)
    for path, files in groups.items():
        folder = tmp_path / path.lstrip("/")
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    return str(tmp_path)


def test_cgroup_v1_only(tmp_path):
    found = cgroup.detect(fake(tmp_path, V1, "4:memory:/\n", {}))
    assert not found.available and found.why == "no cgroup v2 file system mounted (cgroup v1 only)"


def test_hybrid_tree_without_the_controllers(tmp_path):
    """This machine class: an empty cgroup v2 tree beside the v1 hierarchies that hold pids and memory."""
    root = fake(tmp_path, HYBRID, "8:pids:/\n4:memory:/x\n0::/\n",
                {"/sys/fs/cgroup/unified": {"cgroup.controllers": "hugetlb\n", "cgroup.subtree_control": "",
                                            "cgroup.procs": "1\n"}})
    found = cgroup.detect(root)
    assert not found.available
    assert found.why == ("the cgroup v2 tree at /sys/fs/cgroup/unified offers no pids/memory controller here (a "
                         "hybrid setup: they are bound to cgroup v1 hierarchies)")


def test_no_v2_membership(tmp_path):
    assert "no 0:: line" in cgroup.detect(fake(tmp_path, V2, "4:memory:/\n", {})).why


def test_delegated_scope_puts_the_jobs_beside_it(tmp_path):
    """A systemd user scope holds our processes (no children with controllers allowed): the jobs go under its
    parent, which enables pids and memory for its children."""
    root = fake(tmp_path, V2, "0::" + SCOPE + "\n", {
        "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice": {
            "cgroup.controllers": "cpu memory pids\n", "cgroup.subtree_control": "memory pids\n",
            "cgroup.procs": ""},
        "/sys/fs/cgroup" + SCOPE: {"cgroup.controllers": "memory pids\n", "cgroup.subtree_control": "",
                                   "cgroup.procs": "4242\n"}})
    found = cgroup.detect(root)
    assert found.available, found.why
    assert found.base == os.path.join(root, "sys/fs/cgroup" + os.path.dirname(SCOPE))


def test_group_without_processes_holds_the_jobs_itself(tmp_path):
    """A cgroup namespace (a container): the mount's root is our own group, which holds no process of its own."""
    root = fake(tmp_path, V2.replace(" / /sys/fs/cgroup", " /docker/abc /sys/fs/cgroup"), "0::/docker/abc\n", {
        "/sys/fs/cgroup": {"cgroup.controllers": "cpu memory pids\n", "cgroup.subtree_control": "",
                           "cgroup.procs": ""}})
    found = cgroup.detect(root)
    assert found.available and found.base == os.path.join(root, "sys/fs/cgroup")


def test_group_without_the_pids_controller(tmp_path):
    root = fake(tmp_path, V2, "0::/a/b\n", {
        "/sys/fs/cgroup/a": {"cgroup.controllers": "memory pids\n", "cgroup.subtree_control": "memory\n",
                             "cgroup.procs": "7\n"},
        "/sys/fs/cgroup/a/b": {"cgroup.controllers": "memory\n", "cgroup.subtree_control": "", "cgroup.procs": "9\n"}})
    found = cgroup.detect(root)
    assert not found.available and "offers no pids controller" in found.why


def test_the_root_group_may_enable_the_controllers_itself(tmp_path):
    """The root of the hierarchy is exempt from the no-internal-processes rule."""
    root = fake(tmp_path, V2, "0::/\n", {"/sys/fs/cgroup": {"cgroup.controllers": "cpu memory pids\n",
                                                            "cgroup.subtree_control": "", "cgroup.procs": "1\n"}})
    found = cgroup.detect(root)
    assert found.available and found.base == os.path.join(root, "sys/fs/cgroup")


def test_job_groups_get_their_limits_and_are_removed(tmp_path):
    base = tmp_path / "app.slice"
    base.mkdir()
    (base / "cgroup.subtree_control").write_text("memory pids\n")
    groups = cgroup.JobCgroups(str(base), tag="test")
    path = Path(groups.create(35, 512 * 2 ** 20))
    assert path == base / "inplace-lint-test" / "job-1"
    assert (base / "cgroup.subtree_control").read_text() == "memory pids\n"  # already enabled: left alone
    assert (base / "inplace-lint-test" / "cgroup.subtree_control").read_text() == "+pids +memory"
    assert (path / "pids.max").read_text() == "35" and (path / "memory.max").read_text() == str(512 * 2 ** 20)
    fd = cgroup.JobCgroups.procs_fd(str(path))
    os.write(fd, b"0")
    os.close(fd)
    assert (path / "cgroup.procs").read_text() == "0"
    (path / "pids.events").write_text("max 3\n")
    (path / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n")
    (path / "memory.peak").write_text(str(600 * 2 ** 20) + "\n")
    counted = cgroup.JobCgroups.events(str(path))
    assert counted == {"pids_refused": 3, "oom_kills": 1, "memory_peak": 600 * 2 ** 20}
    notes = cgroup.notes(counted, 35, 512)
    assert notes == ["sandbox: the job hit its cgroup's pids.max (35 processes): the kernel refused 3 forks",
                     "sandbox: the job's processes went over its cgroup's memory.max (512 MiB together): the "
                     "kernel killed 1 of them"]
    (path / "cgroup.kill").write_text("")
    groups.remove(str(path))
    assert (path / "cgroup.kill").read_text() == "1"  # what is left is killed first
    for name in os.listdir(path):  # the kernel drops the interface files with the folder; the stand-in cannot
        os.unlink(path / name)
    groups.remove(str(path))
    assert not path.exists()
    assert Path(groups.create(35, 2 ** 30)).name == "job-2"
    groups.remove(str(base / "inplace-lint-test" / "job-2"))  # (files left: the stand-in keeps the folder)
    groups.close()


@pytest.mark.skipif(not os.path.exists("/proc/self/mountinfo"), reason="not Linux")
def test_this_machine_is_detected_with_a_reason():
    found = cgroup.detect()
    assert found.why and (found.base is None) != found.why.startswith("cgroup v2: a group per job")
