# SPDX-License-Identifier: BSD-2-Clause
"""The executable-bytes detector: a file carrying a banned string is killed
under any name once scanned, every later exec of it dies in the kernel
before its first instruction (hard links too), a copy or a rewrite is a new
file scanned again, scripts are scanned through their interpreter, and
every event carries the executable's SHA-256. Each test bans a random token
of its own, appended to a copy of a harmless binary."""
import hashlib
import os
import secrets
import shutil
import subprocess
import time


def token():
    return "nmx" + secrets.token_hex(8)


def config(tok, extra=None):
    c = {"bannedCommandStrings": ["nmt" + secrets.token_hex(6)],
         "bannedExecutableStrings": [tok]}
    c.update(extra or {})
    return c


def miner_copy(path, tok, src="/bin/sleep"):
    """A working copy of src that carries tok in its bytes (after the ELF
    image: the loader never reads it)."""
    shutil.copyfile(src, path)
    with open(path, "ab") as f:
        f.write(b"\0" + tok.encode() + b"\0")
    os.chmod(path, 0o755)
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def ended(p, d, timeout=10):
    """p's exit status; the daemon's last lines if it is still running."""
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"pid {p.pid} still running after {timeout} s\n{d.dump()}")


def scan_kill(d, p, tok, sha, since=0, what="the kill"):
    """p died by SIGKILL, and nomine's line for it says the file scan did it,
    naming tok and the file's SHA-256."""
    ended(p, d)
    assert p.returncode == -9, d.dump()
    ev = d.wait_for(lambda e: e.get("action") == "killed" and e.get("pid") == p.pid,
                    since=since, what=what)
    assert ev["source"] == "executable" and ev["matched"] == tok, ev
    assert ev["executable"]["sha256"] == sha, ev
    return ev


def kills(d, since=0):
    return d.find(lambda e: e.get("action") == "killed", since=since)


def test_renamed_file_killed_then_every_exec_in_kernel(start_daemon, scope, spawner, tmp_path):
    tok = token()
    d = start_daemon(config(tok))
    assert d.started["features"]["detectors"]["executable"]["variant"] == "scan", d.started
    svc = tmp_path / "svc"
    sha = miner_copy(svc, tok)
    # another name for the same file (made now: a new link changes the
    # inode's change stamp, which makes it another file to nomine)
    link = tmp_path / "kworker"
    os.link(svc, link)
    p = spawner.spawn(scope, [str(svc), "30"])
    ended(p, d)
    took = time.monotonic() - p.started
    assert p.returncode == -9, d.dump()
    ev = d.wait_for(lambda e: e.get("action") == "killed" and e.get("source") == "executable",
                    what="the scan's kill")
    assert ev["pid"] == p.pid and ev["matched"] == tok, ev
    assert ev["executable"]["sha256"] == sha and ev["executable"]["scan"] == "scanned", ev
    assert ev["executable"]["matched_string"] == tok, ev
    assert ev["kill_in_kernel"] is False and took < 3, (took, ev)

    # every later exec, under any name (a hard link), dies at exec
    for path in (svc, link):
        mark = d.mark()
        p = spawner.spawn(scope, [str(path), "30"])
        ended(p, d)
        assert p.returncode == -9
        ev = d.wait_for(lambda e: e.get("action") == "killed", since=mark, what="kernel kill")
        assert ev["kill_in_kernel"] is True and ev["source"] == "executable", ev
        assert ev["executable"]["sha256"] == sha and ev["matched"] == tok, ev

    # a copy is another file: scanned again, and killed again
    mark = d.mark()
    copy = tmp_path / "copy"
    shutil.copyfile(svc, copy)
    os.chmod(copy, 0o755)
    p = spawner.spawn(scope, [str(copy), "30"])
    ended(p, d)
    assert p.returncode == -9
    ev = d.wait_for(lambda e: e.get("action") == "killed", since=mark, what="the copy's kill")
    assert ev["kill_in_kernel"] is False and ev["executable"]["sha256"] == sha, ev

    # rewritten without the token: a new file, which runs
    miner_copy(svc, "harmless" + secrets.token_hex(4))
    p, _, _, _ = spawner.run(scope, [str(svc), "0.2"])
    assert p.returncode == 0, d.dump()


def test_clean_files_run_and_events_carry_sha256(start_daemon, scope, spawner, tmp_path):
    tok = token()
    cfg = config(tok)
    banned = cfg["bannedCommandStrings"][0]
    d = start_daemon(cfg)
    tool = tmp_path / "tool"
    shutil.copyfile("/bin/true", tool)
    os.chmod(tool, 0o755)
    sha = hashlib.sha256(tool.read_bytes()).hexdigest()
    p, _, _, _ = spawner.run(scope, [str(tool)])
    assert p.returncode == 0
    # a banned command line on a file never seen: killed at exec, and the
    # event waits for the file's scan, read through the parent's root and
    # cwd (pinned when the exec is handled; a parent that exits within
    # microseconds of the kill can still leave it without a hash)
    prog = tmp_path / "prog"
    shutil.copyfile("/bin/sleep", prog)
    os.chmod(prog, 0o755)
    sha2 = hashlib.sha256(prog.read_bytes()).hexdigest()
    half = len(banned) // 2    # the shell's own argv holds it only split
    p, _, _, _ = spawner.run(scope, ["/bin/sh", "-c",
                                     f"P={banned[:half]}; {prog} 5 ${{P}}{banned[half:]}; sleep 1"])
    ev = d.wait_for(lambda e: e.get("action") == "killed", what="the argv kill")
    assert ev["kill_in_kernel"] is True and ev["matched"] == banned, ev
    assert ev["executable"].get("sha256") == sha2, ev
    assert sha  # the clean tool ran; its file was scanned without a line


def test_script_scanned_through_its_interpreter(start_daemon, scope, spawner, tmp_path):
    tok = token()
    d = start_daemon(config(tok))
    script = tmp_path / "job.py"
    script.write_text(f"import time\nPOOL = '{tok}'\ntime.sleep(30)\n")
    p = spawner.spawn(scope, ["/usr/bin/python3", "-u", str(script)])
    ended(p, d)
    assert p.returncode == -9, d.dump()
    ev = d.wait_for(lambda e: e.get("action") == "killed", what="the script's kill")
    assert ev["source"] == "executable" and ev["matched"] == tok, ev
    # the same script again (answered from the scan's result), and as a #! script
    runner = tmp_path / "run.sh"
    runner.write_text(f"#!/bin/sh\n# {tok}\nsleep 30\n")
    runner.chmod(0o755)
    for argv in (["/usr/bin/python3", str(script)], [str(runner)]):
        mark = d.mark()
        p = spawner.spawn(scope, argv)
        ended(p, d)
        assert p.returncode == -9, (argv, d.dump())
        d.wait_for(lambda e: e.get("action") == "killed" and e.get("pid") == p.pid,
                   since=mark, what=f"kill of {argv}")
    # inline code and clean scripts are left alone
    clean = tmp_path / "clean.py"
    clean.write_text("print('ok')\n")
    for argv in (["/usr/bin/python3", "-c", "print('ok')"], ["/usr/bin/python3", str(clean)]):
        p, out, _, _ = spawner.run(scope, argv)
        assert p.returncode == 0 and out == b"ok\n", argv


def test_memfd_exec_killed(start_daemon, scope, spawner, tmp_path):
    tok = token()
    d = start_daemon(config(tok))
    img = tmp_path / "img"
    miner_copy(img, tok)
    code = ("import os,sys\nfd=os.memfd_create('nmx-fileless',0)\nos.write(fd,open(sys.argv[1],'rb').read())\n"
            "os.execve(fd,['kworker','30'],{})\n")
    p = spawner.spawn(scope, ["/usr/bin/python3", "-c", code, str(img)])
    ended(p, d)
    assert p.returncode == -9, d.dump()
    ev = d.wait_for(lambda e: e.get("action") == "killed" and e.get("source") == "executable",
                    what="the memfd kill")
    assert ev["matched"] == tok and ev["executable"]["scan"] == "scanned", ev
    assert ev["exe"] == "/memfd:nmx-fileless (deleted)", ev
    assert ev["exec_path"].startswith("/dev/fd/"), ev
    assert ev["executable"]["inode"] > 0 and "dev" in ev["executable"], ev


def test_audit_reports_and_reload_forgets(start_daemon, scope, spawner, tmp_path):
    tok = token()
    d = start_daemon(config(tok), args=["--audit"])
    svc = tmp_path / "svc"
    miner_copy(svc, tok)
    p, _, _, _ = spawner.run(scope, [str(svc), "1"])
    assert p.returncode == 0
    ev = d.wait_for(lambda e: e.get("source") == "executable", what="the audit line")
    assert ev["action"] == "audit" and ev["matched"] == tok, ev
    assert not kills(d), d.dump()


def test_reload_with_other_strings_forgets_bad_files(start_daemon, scope, spawner, tmp_path):
    tok = token()
    d = start_daemon(config(tok))
    svc = tmp_path / "svc"
    miner_copy(svc, tok)
    p = spawner.spawn(scope, [str(svc), "30"])
    ended(p, d)
    assert p.returncode == -9
    d.wait_for(lambda e: e.get("source") == "executable", what="the kill")
    mark = d.mark()
    d.write_config("config.json", config(token()))
    d.wait_for(lambda e: e.get("event") == "Config reloaded", since=mark, what="the reload")
    p, _, _, _ = spawner.run(scope, [str(svc), "0.2"])
    assert p.returncode == 0, d.dump()


def test_fifo_scripts_and_huge_sparse_files_do_not_stall_scans(start_daemon, scope, spawner,
                                                               tmp_path):
    """A script path that is a FIFO is never read (a read would wait for a
    writer), and an 8 GiB sparse executable is read only to the size cap:
    the scanner goes on, and the next miner's file is still found and
    killed at once."""
    tok = token()
    d = start_daemon(config(tok, {"executableScanMaxMiB": 64}))
    fifo = tmp_path / "job.py"
    os.mkfifo(fifo)
    waiting = spawner.spawn(scope, ["/usr/bin/python3", str(fifo)])   # blocks in its open
    big = tmp_path / "big"
    shutil.copyfile("/bin/true", big)
    with open(big, "r+b") as f:
        f.truncate(8 << 30)
    os.chmod(big, 0o755)
    p, _, _, took = spawner.run(scope, [str(big)])
    assert p.returncode == 0, took
    svc = tmp_path / "svc"
    miner_copy(svc, tok)
    p = spawner.spawn(scope, [str(svc), "30"])
    ended(p, d)
    assert p.returncode == -9, d.dump()
    assert time.monotonic() - p.started < 3, d.dump()
    assert waiting.poll() is None      # still waiting for a writer, untouched
    ev = d.wait_for(lambda e: e.get("action") == "killed", what="the miner's kill")
    assert ev["matched"] == tok, ev
    waiting.kill()


def test_miner_older_than_nomine_found_by_the_start_sweep(start_daemon, scope, spawner,
                                                          tmp_path):
    """A miner's file already running when nomine starts (nomine upgraded,
    restarted) was never exec'd under its eyes: the start-up sweep scans the
    files of the processes it finds, and kills it with its children."""
    tok = token()
    svc = tmp_path / "svc"
    sha = miner_copy(svc, tok)
    old = spawner.spawn(scope, [str(svc), "60"])
    time.sleep(0.3)
    assert old.poll() is None
    d = start_daemon(config(tok))
    scan_kill(d, old, tok, sha, what="the sweep's kill")
    # the kernel learns the file at its next exec: killed there
    mark = d.mark()
    p = spawner.spawn(scope, [str(svc), "30"])
    ended(p, d)
    assert p.returncode == -9
    d.wait_for(lambda e: e.get("action") == "killed" and e.get("pid") == p.pid, since=mark,
               what="the next exec's kill")


def test_a_scan_stuck_in_a_read_does_not_stop_the_detector(start_daemon, scope, spawner,
                                                          tmp_path):
    """A read that never returns (a hung mount; made here by the test hook
    NOMINE_TEST_SCAN_STALL, which stalls the scan of a file by name) costs
    one scanner thread: past executableScanSeconds + 2 s another takes over,
    says so once, and the next miner's file is scanned and killed."""
    tok = token()
    stall = "stall" + secrets.token_hex(4)
    d = start_daemon(config(tok, {"executableScanSeconds": 0.5}),
                     env={"NOMINE_TEST_SCAN_STALL": stall})
    slow = tmp_path / stall
    shutil.copyfile("/bin/sleep", slow)
    os.chmod(slow, 0o755)
    held = spawner.spawn(scope, [str(slow), "30"])
    ev = d.wait_for(lambda e: "executable scanner stuck" in e.get("event", ""), timeout=8,
                    what="the stuck scanner's line")
    assert "another scanner started" in ev["event"] and stall in ev["event"], ev
    svc = tmp_path / "svc"
    miner_copy(svc, tok)
    p = spawner.spawn(scope, [str(svc), "30"])
    ended(p, d)
    assert p.returncode == -9 and time.monotonic() - p.started < 3, d.dump()
    assert held.poll() is None        # its file was never judged: it runs on
    held.kill()


def test_file_on_overlayfs_as_in_a_container(start_daemon, scope, spawner, tmp_path):
    """Container images are overlayfs: the kernel names the overlay's inode,
    stat(2) reports the layer's. A miner's file in a lower layer is still
    scanned through the overlay, killed, and its next exec dies in the
    kernel."""
    tok = token()
    d = start_daemon(config(tok))
    for sub in ("lower", "upper", "work", "merged"):
        (tmp_path / sub).mkdir()
    miner_copy(tmp_path / "lower" / "svc", tok)
    merged = tmp_path / "merged"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={tmp_path}/lower,upperdir={tmp_path}/upper,"
                    f"workdir={tmp_path}/work", str(merged)], check=True)
    try:
        for in_kernel in (False, True):
            mark = d.mark()
            p = spawner.spawn(scope, [str(merged / "svc"), "30"])
            ended(p, d)
            assert p.returncode == -9, d.dump()
            ev = d.wait_for(lambda e: e.get("action") == "killed" and e.get("pid") == p.pid,
                            since=mark, what="the kill")
            assert ev["source"] == "executable" and ev["kill_in_kernel"] is in_kernel, ev
    finally:
        subprocess.run(["umount", str(merged)], check=False)


def test_program_run_by_the_dynamic_loader(start_daemon, scope, spawner, tmp_path):
    """`ld.so ./miner`: the loader is what is exec'd, the miner is only
    mapped. Its file is scanned as an interpreter's script is."""
    tok = token()
    d = start_daemon(config(tok))
    svc = tmp_path / "svc"
    sha = miner_copy(svc, tok)
    p = spawner.spawn(scope, ["/lib64/ld-linux-x86-64.so.2", str(svc), "30"])
    scan_kill(d, p, tok, sha)
