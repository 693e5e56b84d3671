# SPDX-License-Identifier: BSD-2-Clause
"""--scope-cgroup confines nomine: a banned process in a sibling cgroup is
neither killed nor reported, by the exec path or by sweeps, while the same
command inside the scope dies."""
import time

from conftest import assert_killed


def test_process_outside_scope_is_untouched(start_daemon, scope, make_cgroup, spawner, banned):
    sibling = make_cgroup("sibling")
    d = start_daemon({"bannedCommandStrings": [banned]}, args=["--sweep-interval", "1"])
    assert d.started["scope"] == [scope.name]
    # Lives through at least two sweeps.
    outside = spawner.spawn(sibling, ["sh", "-c", f"sleep 2.5; : {banned} outside"])
    inside = spawner.spawn(scope, ["sh", "-c", f"sleep 5; : {banned} inside"])
    inside.communicate(timeout=20)
    assert_killed(inside, time.monotonic() - inside.started)   # the control
    outside.communicate(timeout=20)
    d.wait_kill(inside.pid)
    assert outside.returncode == 0, \
        f"the process outside the scope ended with {outside.returncode}\n{d.dump()}"
    about = d.find(lambda e: e.get("pid") == outside.pid or e.get("ppid") == outside.pid
                   or "outside" in str(e.get("cmdline", "")))
    assert not about, f"nomine logged about a process outside its scope: {about}"


def test_process_in_child_cgroup_of_scope_is_killed(start_daemon, scope, spawner, banned):
    # "In or below" the scope: a nested cgroup counts.
    nested = type(scope)(scope.mount, scope.name.lstrip("/") + "/inner").create()
    d = start_daemon({"bannedCommandStrings": [banned]})
    p, *_, elapsed = spawner.run(nested, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
    d.wait_kill(p.pid)


def test_scope_path_is_normalised(start_daemon, scope, spawner, banned):
    # No leading slash, doubled and trailing slashes: the same cgroup.
    messy = scope.name.lstrip("/") + "//"
    d = start_daemon({"bannedCommandStrings": [banned]}, scopes=[], args=["--scope-cgroup", messy])
    assert d.started["scope"] == [scope.name]
    p, *_, elapsed = spawner.run(scope, ["sh", "-c", f"sleep 5; : {banned}"])
    assert_killed(p, elapsed)
