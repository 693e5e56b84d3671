# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of nomine's end-to-end tests.

Every daemon a test starts is confined to a cgroup v2 directory the test
created (--scope-cgroup) and bans a random string made for that test, so the
suite can never kill anything it did not start. Test processes enter the scope
through the `incg` helper, which moves itself into the cgroup and then execs
the command (read from a file, so the banned string is never on incg's own
command line).

Whether nomine can load its BPF parts is found out once per session: the
`exec_detector` fixture starts one daemon (scoped to a cgroup of its own),
reads its start-up line and stops it. When the exec detector did not load,
every test that needs the daemon fails (or skips, see below) at once with
that reason, instead of starting a daemon of its own.

Environment:
  NOMINE_BIN          the binary under test (default: <repo>/build/nomine)
  NOMINE_REQUIRE_BPF  when set (not "0"), BPF parts that cannot load are a
                      failure whatever the machine (CI sets it); so are a
                      missing root, cgroup v2 or test tool
  NOMINE_NO_BPF       when set (not "0"), this machine cannot do BPF: tests
                      that need nomine's BPF parts skip
  By default BPF is required (a failure, not a skip) when running as root on
  a kernel with BTF (/sys/kernel/btf/vmlinux).
"""
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
HELPERS = ("incg", "forker", "rewriter", "escaper", "execveat_sh", "memfd_exec", "threadexec", "dialer")
STARTUP_TIMEOUT = 20        # per test daemon, at least (see exec_detector)
PROBE_TIMEOUT = 180         # the session's probe: a refusing verifier can take 130 s
STOP_TIMEOUT = 10
# epoll_wait, epoll_pwait, epoll_pwait2: where an idle nomine sleeps.
EPOLL_SYSCALLS = {"x86_64": {"232", "281", "441"}, "aarch64": {"22", "441"}}
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def _flag(name):
    return os.environ.get(name, "0") not in ("", "0")


def _bpf_required():
    """(required, why): whether a test that cannot run because nomine's BPF
    parts cannot load fails (required) or skips. The same rule as
    tests/unit/bpf_required.h and tests/run_all.py."""
    if _flag("NOMINE_REQUIRE_BPF"):
        return True, "NOMINE_REQUIRE_BPF is set"
    if _flag("NOMINE_NO_BPF"):
        return False, "NOMINE_NO_BPF is set"
    if os.geteuid() == 0 and os.path.exists("/sys/kernel/btf/vmlinux"):
        return True, ("BPF is required when running as root on a kernel with BTF; "
                      "set NOMINE_NO_BPF=1 if this machine cannot do BPF")
    return False, "not root, or no /sys/kernel/btf/vmlinux"


REQUIRE_BPF, REQUIRE_BPF_WHY = _bpf_required()


def unavailable(why, bpf=True):
    """A test cannot run: skips, or fails where that is not allowed.
    bpf=True (nomine's BPF parts cannot load): fails where REQUIRE_BPF says BPF
    must work. bpf=False (no root, no cgroup v2, a test tool not installed):
    fails only under NOMINE_REQUIRE_BPF, where scripts/deps.sh installed all."""
    if REQUIRE_BPF if bpf else _flag("NOMINE_REQUIRE_BPF"):
        pytest.fail(f"{why} ({REQUIRE_BPF_WHY if bpf else 'NOMINE_REQUIRE_BPF is set'})",
                    pytrace=False)
    pytest.skip(why)


def new_banned():
    """A random banned string no real process carries."""
    return "nmt" + secrets.token_hex(6)


# --------------------------------------------------------------------------
# cgroups


def _unescape_mountinfo(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def cgroup2_mount():
    """The cgroup2 mount point from /proc/self/mountinfo, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, sep, post = line.partition(" - ")
            if sep and post.split()[:1] == ["cgroup2"]:
                return Path(_unescape_mountinfo(pre.split()[4]))
    return None


class Cgroup:
    """A cgroup v2 directory this test suite created (and only such)."""

    def __init__(self, mount, name):
        self.mount = Path(mount)
        self.name = "/" + name.strip("/")          # as --scope-cgroup takes it
        self.path = self.mount / name.strip("/")

    def create(self):
        os.mkdir(self.path)
        return self

    def procs(self):
        """PIDs in this cgroup and below (cgroup.procs lists no zombies)."""
        pids = []
        for dirpath, _dirs, files in os.walk(self.path):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(dirpath, "cgroup.procs")) as f:
                        pids += [int(x) for x in f.read().split()]
                except FileNotFoundError:
                    pass
        return pids

    def wait_empty(self, timeout):
        """Waits until no process is left; returns what is left at the end."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.procs()
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(0.02)

    def describe(self, pids):
        out = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                with open(f"/proc/{pid}/stat") as f:
                    state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
            except OSError:
                cmd, state, ppid = "?", "gone", "?"
            out.append(f"{pid} (ppid {ppid}) [{state}] {cmd[:100]}")
        return "\n".join(out)

    def destroy(self):
        """Kills every member (cgroup.kill, else SIGKILL by PID), removes the
        directories bottom-up."""
        if not self.path.exists():
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            left = self.procs()
            if not left:
                break
            kill_file = self.path / "cgroup.kill"
            if kill_file.exists():
                kill_file.write_text("1")
            else:
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.05)
        for dirpath, _dirs, _files in sorted(os.walk(self.path), key=lambda t: -len(t[0])):
            for _ in range(100):
                try:
                    os.rmdir(dirpath)
                    break
                except FileNotFoundError:
                    break
                except OSError:     # EBUSY while the last members exit
                    time.sleep(0.05)


@pytest.fixture(scope="session")
def cgroup_mount():
    if os.geteuid() != 0:
        unavailable("end-to-end tests need root", bpf=False)
    mount = cgroup2_mount()
    if mount is None:
        unavailable("no cgroup2 mount in /proc/self/mountinfo", bpf=False)
    return mount


@pytest.fixture
def make_cgroup(cgroup_mount):
    """Factory of fresh cgroups (removed, members killed, at teardown)."""
    made = []

    def make(tag="t"):
        cg = Cgroup(cgroup_mount, f"nmtest-{tag}-{secrets.token_hex(4)}").create()
        made.append(cg)
        return cg

    yield make
    for cg in reversed(made):
        cg.destroy()


@pytest.fixture
def scope(make_cgroup):
    """The per-test cgroup every daemon of the test is confined to."""
    return make_cgroup("scope")


@pytest.fixture
def banned():
    return new_banned()


# --------------------------------------------------------------------------
# binaries


@pytest.fixture(scope="session")
def nomine_bin():
    path = Path(os.environ.get("NOMINE_BIN", REPO / "build" / "nomine"))
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"nomine binary {path} is missing: run `make` first, or set NOMINE_BIN",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def helpers(nomine_bin):
    """The programs the tests run (tests/e2e/*helpers/*.c), built by `make
    tests` into BUILD/e2e next to the binary (or $NOMINE_E2E_HELPERS)."""
    out = Path(os.environ.get("NOMINE_E2E_HELPERS", nomine_bin.parent / "e2e"))
    paths = {}
    for name in HELPERS + ("trials", "marker_static", "marker_dynamic", "kworker-sync",
                           "fploop"):
        path = out / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.fail(f"e2e helper {path} is missing: run `make tests`", pytrace=False)
        paths[name] = str(path)
    return paths


@pytest.fixture(scope="session")
def user_verdict_flag(nomine_bin):
    """"--user-verdict" when this nomine has it (verdict in the kernel by
    default), else None (the verdict is always in user space)."""
    r = subprocess.run([str(nomine_bin), "run", "--help"], capture_output=True, text=True)
    return "--user-verdict" if "--user-verdict" in r.stdout + r.stderr else None


@pytest.fixture(params=["default", "user"])
def verdict_args(request, user_verdict_flag):
    """Run the test once with nomine's default verdict path (in the kernel
    where supported) and once with --user-verdict (the post-exec path with
    kernel lineage), when the binary has both. Returns the extra args."""
    if request.param == "default":
        return []
    if not user_verdict_flag:
        pytest.skip("this nomine has only the user-space verdict (covered by 'default')")
    return [user_verdict_flag]


# --------------------------------------------------------------------------
# running commands inside a cgroup


class Spawner:
    """Starts commands inside a cgroup through the incg helper."""

    def __init__(self, incg, tmpdir):
        self.incg = incg
        self.tmpdir = Path(tmpdir)
        self.procs = []

    def spawn(self, cg, argv, env=None, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
              **kw):
        """Starts argv (str or bytes items) in cgroup cg; returns the Popen,
        whose pid is the command's own (incg execs it)."""
        data = b"".join(os.fsencode(a) + b"\0" for a in argv)
        argv_file = self.tmpdir / f"argv-{secrets.token_hex(6)}"
        argv_file.write_bytes(data)
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.Popen([self.incg, str(cg.path), str(argv_file)], env=full_env,
                             stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, **kw)
        p.started = time.monotonic()
        self.procs.append(p)
        return p

    def run(self, cg, argv, timeout=20, **kw):
        """Runs argv in cg to its end; returns (Popen, stdout, stderr, seconds)."""
        p = self.spawn(cg, argv, **kw)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise AssertionError(f"{argv!r:.200} still running after {timeout} s")
        return p, out, err, time.monotonic() - p.started

    def cleanup(self):
        """Kills what is still running (by PID) and closes the pipes, without
        waiting for their end (survivors may hold them; the cgroup teardown
        kills those)."""
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for f in (p.stdout, p.stderr):
                if f:
                    f.close()


@pytest.fixture
def spawner(helpers, tmp_path):
    s = Spawner(helpers["incg"], tmp_path)
    yield s
    s.cleanup()


# --------------------------------------------------------------------------
# the daemon


class Daemon:
    """One `nomine run`, its configs in a directory of their own, its log
    lines read by a thread into self.events (parsed JSON)."""

    def __init__(self, nomine, workdir, scopes, configs=None, args=(), env=None,
                 startup_timeout=STARTUP_TIMEOUT):
        self.nomine = str(nomine)
        self.startup_timeout = startup_timeout
        self.startup_seconds = None
        self.abandoned = False
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True)
        self.scopes = list(scopes)
        self.args = list(args)
        self.env = env
        self.config_paths = []
        for name, content in (configs or {}).items():
            self.config_paths.append(self.write_config(name, content, atomic=False))
        self.proc = None
        self.events = []
        self.bad_lines = []
        self.stderr = b""
        self.started = None
        self.cond = threading.Condition()
        self.stdout_done = False
        self.rc = None

    # -- configs

    def config_path(self, name="config.json"):
        return self.dir / name

    def write_config(self, name, content, atomic=True):
        """Writes a config (a dict becomes JSON; a str is written as is).
        atomic: write a temporary file and rename it over the config, as
        a deployment would."""
        path = self.config_path(name)
        data = json.dumps(content) if isinstance(content, dict) else content
        if atomic:
            tmp = self.dir / f".tmp-{secrets.token_hex(4)}"
            tmp.write_text(data)
            os.rename(tmp, path)
        else:
            path.write_text(data)
        return path

    # -- process

    def argv(self):
        a = [self.nomine, "run"]
        for c in self.config_paths:
            a += ["--config", str(c)]
        for s in self.scopes:
            a += ["--scope-cgroup", s.name]
        return a + self.args

    def launch(self):
        """Starts the process and the threads reading its output."""
        if not self.scopes and not {"--scope-cgroup", "--audit"} & set(self.args):
            raise AssertionError("refusing to run nomine unscoped outside --audit")
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen(self.argv(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     env=env)
        self.threads = [threading.Thread(target=self._read_stdout, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self.threads:
            t.start()

    def start(self):
        """Starts the daemon; returns once it logged its start-up line with the
        exec detector loaded and sleeps in epoll_wait. Gives up at once when
        the daemon exits or logs an error before that line."""
        self.launch()
        problem = self.await_startup(self.startup_timeout)
        if problem:
            why, bpf = problem
            self.abandon()
            if bpf:
                unavailable(why)
            raise AssertionError(f"{why}\n{self.dump()}")
        self.wait_idle()
        return self

    def await_startup(self, timeout, timeout_is_bpf=False):
        """Waits for the start-up line, or for what comes instead: an error
        line (logged before the start-up line only when something is wrong),
        the end of the process, or the end of timeout. Returns None when the
        line came with the exec detector loaded, else (why, bpf): why this
        daemon is of no use, and whether that is a BPF part that cannot load
        (a timeout counts as one when timeout_is_bpf)."""
        t0 = time.monotonic()
        first = None
        with self.cond:
            while True:
                first = next((e for e in self.events if e.get("event") == "nomine started"
                              or e.get("level") == "error"), None)
                left = t0 + timeout - time.monotonic()
                if first is not None or self.stdout_done or left <= 0:
                    break
                self.cond.wait(min(left, 0.1))
        self.startup_seconds = time.monotonic() - t0
        if first is not None and first.get("event") == "nomine started":
            self.started = first
            features = first.get("features", {})
            if features.get("exec_detector") or "--disable" in self.args and \
                    (features.get("detectors") or {}).get("exec", {}).get("variant") == "disabled":
                return None
            why = (features.get("detectors") or {}).get("exec", {}).get("why")
            return (f"nomine started without its exec detector: {why or features}", True)
        if first is not None:
            text = str(first.get("event"))
            if first.get("error"):
                text += f": {first['error']}"
            if text.startswith("exec detector unavailable"):
                return f"nomine cannot load its BPF parts: {text}", True
            return f"nomine logged an error before its start-up line: {text}", False
        if self.stdout_done:
            try:
                self.rc = self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.rc = None
            self.threads[1].join(timeout=5)
            err = self.stderr.decode(errors="replace").strip()
            if self.rc == 1 and "BPF" in err:
                return f"nomine cannot load its BPF parts (exit 1): {err[-2000:]}", True
            return f"nomine exited {self.rc} before its start-up line: {err[-2000:]}", False
        return (f"nomine logged no start-up line within {timeout:.0f} s"
                f"{' (still loading its BPF parts?)' if timeout_is_bpf else ''}",
                timeout_is_bpf)

    def abandon(self):
        """SIGKILL for a daemon that is of no use; teardown does not check how
        it stopped."""
        self.abandoned = True
        self.kill()
        for t in getattr(self, "threads", ()):
            t.join(timeout=5)

    def wait_idle(self, timeout=10):
        """Waits until the daemon sleeps in epoll_wait: the start-up sweep,
        which comes right after the start-up line, is over. (Otherwise a
        test's process could be judged by that sweep rather than at its
        exec.) Where the syscall numbers are unknown, waits half a second."""
        want = EPOLL_SYSCALLS.get(os.uname().machine)
        if not want:
            time.sleep(0.5)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive():
            try:
                with open(f"/proc/{self.proc.pid}/syscall") as f:
                    if f.read().split(" ", 1)[0] in want:
                        return
            except OSError:
                time.sleep(0.5)
                return
            time.sleep(0.005)

    def _read_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            try:
                ev = json.loads(raw.decode("utf-8"))   # strict: no raw control chars
                if not isinstance(ev, dict):
                    raise ValueError("not a JSON object")
            except ValueError as e:
                with self.cond:
                    self.bad_lines.append((raw, str(e)))
                    self.cond.notify_all()
                continue
            ev["_raw"] = raw
            with self.cond:
                self.events.append(ev)
                self.cond.notify_all()
        with self.cond:
            self.stdout_done = True
            self.cond.notify_all()

    def _read_stderr(self):
        data = self.proc.stderr.read()
        with self.cond:
            self.stderr = data

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def mark(self):
        """Index to pass as since= to only look at later events."""
        with self.cond:
            return len(self.events)

    def find(self, pred, since=0):
        with self.cond:
            return [e for e in self.events[since:] if pred(e)]

    def wait_for(self, pred, timeout=5, since=0, what=None):
        """Returns the first event (from index since) that pred accepts;
        fails after timeout seconds, or at once if the daemon is gone."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events[since:]:
                    if pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or self.stdout_done:
                    break
                self.cond.wait(min(left, 0.1))
        if self.proc.poll() is not None:
            self.rc = self.proc.returncode
        raise AssertionError(
            f"nomine did not log {what or 'the expected event'} within {timeout} s"
            f" (daemon {'running' if self.alive() else f'exited {self.proc.returncode}'})\n"
            f"{self.dump()}")

    def wait_kill(self, pid, timeout=5, since=0):
        return self.wait_for(lambda e: e.get("pid") == pid and e.get("action") == "killed",
                             timeout, since, what=f"a kill of pid {pid}")

    def dump(self, last=30):
        with self.cond:
            lines = [e["_raw"].decode(errors="replace").rstrip()[:600]
                     for e in self.events[-last:]]
            bad = [repr(b[:300]) + " " + why for b, why in self.bad_lines]
        err = self.stderr.decode(errors="replace")
        return ("log:\n  " + "\n  ".join(lines) +
                ("\nunparsable lines:\n  " + "\n  ".join(bad) if bad else "") +
                (f"\nstderr:\n{err}" if err else ""))

    def hup(self):
        os.kill(self.proc.pid, signal.SIGHUP)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.rc = self.proc.wait()

    def stop(self):
        """SIGTERM, wait, SIGKILL fallback; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.rc = "killed after SIGTERM timeout"
                return self.rc
        self.rc = self.proc.returncode
        with self.cond:       # let the reader see EOF
            self.cond.wait_for(lambda: self.stdout_done, timeout=5)
        return self.rc

    def check_clean_stop(self):
        rc = self.stop()
        problems = []
        if rc != 0:
            problems.append(f"exit code {rc}")
        if not self.find(lambda e: str(e.get("event", "")).startswith("nomine stopping")):
            problems.append('no "nomine stopping" line')
        if self.bad_lines:
            problems.append(f"{len(self.bad_lines)} log lines are not JSON objects")
        assert not problems, f"nomine did not stop cleanly: {', '.join(problems)}\n{self.dump()}"


class Probe:
    """What the session's probe daemon said: loaded (the exec detector is up),
    why not, whether that is a BPF part that cannot load, and how long its
    start-up took (seconds)."""

    def __init__(self, loaded, why, bpf, seconds):
        self.loaded, self.why, self.bpf, self.seconds = loaded, why, bpf, seconds


@pytest.fixture(scope="session")
def daemon_probe(request, nomine_bin, cgroup_mount, tmp_path_factory):
    """Starts nomine once per session, scoped to a cgroup of its own with a
    random banned string, reads its start-up line and stops it. The verdict
    (a Probe) is what every test needing the daemon is told, instead of each
    starting a daemon that cannot load and waiting for it."""
    cg = Cgroup(cgroup_mount, f"nmtest-probe-{secrets.token_hex(4)}").create()
    d = Daemon(nomine_bin, tmp_path_factory.mktemp("probe") / "daemon", [cg],
               {"config.json": {"bannedCommandStrings": [new_banned()]}})
    problem = ("the probe daemon did not start", False)
    try:
        d.launch()
        problem = d.await_startup(PROBE_TIMEOUT, timeout_is_bpf=True)
    finally:
        if problem is None:
            d.stop()
        else:
            d.abandon()
        d.kill()
        cg.destroy()
    probe = Probe(problem is None, problem[0] if problem else "", bool(problem and problem[1]),
                  d.startup_seconds or 0.0)
    # said once on the terminal, past output capture, even when all pass
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    if tr:
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            tr.write_line(f"nomine start-up probe ({probe.seconds:.1f} s): " +
                          ("exec detector loaded" if probe.loaded else probe.why))
    return probe


@pytest.fixture(scope="session")
def exec_detector(daemon_probe):
    """The probe when nomine's exec detector loads; otherwise fails, or skips
    (see unavailable()), every test that asks for it, at once and with the
    probe's reason (pytest keeps a session fixture's failure and raises it
    again for each test)."""
    if not daemon_probe.loaded:
        why = f"{daemon_probe.why} [start-up probe, once per session]"
        if daemon_probe.bpf:
            unavailable(why)
        pytest.fail(why, pytrace=False)
    return daemon_probe


@pytest.fixture
def start_daemon(exec_detector, nomine_bin, scope, tmp_path):
    """start_daemon(config=dict|str|None, name="config.json", configs=None,
    args=(), scopes=None, env=None) -> a started Daemon, confined to the
    test's scope cgroup (or to `scopes`). config=None means no --config
    (the built-in config). All are stopped at teardown, which asserts exit
    code 0 and a "nomine stopping" line. Each waits for its start-up line at
    least STARTUP_TIMEOUT s, longer where the probe's start-up was slow."""
    started = []
    timeout = max(STARTUP_TIMEOUT, 3 * exec_detector.seconds)

    def start(config=None, name="config.json", configs=None, args=(), scopes=None,
              env=None):
        if configs is None:
            configs = {} if config is None else {name: config}
        d = Daemon(nomine_bin, tmp_path / f"daemon{len(started)}",
                   [scope] if scopes is None else scopes, configs, args, env,
                   startup_timeout=timeout)
        started.append(d)
        return d.start()

    yield start
    errors = []
    for d in reversed(started):
        if d.proc is None or d.abandoned:
            continue
        try:
            d.check_clean_stop()
        except AssertionError as e:
            errors.append(str(e))
        finally:
            d.kill()
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


def assert_killed(p, elapsed, limit=4.0):
    """p (a Popen run to its end) died of SIGKILL well before it would have
    ended by itself."""
    assert p.returncode == -signal.SIGKILL, \
        f"expected SIGKILL (-9), got returncode {p.returncode}"
    assert elapsed < limit, f"killed only after {elapsed:.2f} s"


def check_event_common(ev):
    assert TIMESTAMP_RE.match(ev["timestamp"]), ev["timestamp"]
    assert isinstance(ev["uid"], int) and isinstance(ev["ppid"], int)
