#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""run_all.py - builds and runs every nomine test; ends with exactly one
closing line, "N passed, N failed, N skipped". Exits non-zero when anything
failed (or when nothing passed at all).

Stages, in this order (arguments pick some; default: all of them):
  unit    cmocka unit tests (TAP output)
  e2e     end-to-end tests (pytest, junit report) against the real kernel
  deploy  the deployment (tests/deploy, pytest): image, Helm chart, its pod
          run by containerd, metrics, dashboard and alert rules, systemd unit
  miners  real miners (tests/miners, pytest): Debian's xmrig and monerod in
          containers against a loopback pool, with and without nomine
  matrix  tests/matrix/run --build build (TAP output); a missing runner is a
          failure. NOMINE_MATRIX=0 leaves this stage out (said so twice: at
          the start and just before the closing line)
  san     the unit tests again under ASan/UBSan
  fuzz    short libFuzzer runs

A skipped test is counted as skipped, never as passed or failed. Whether a
test may skip for lack of BPF is decided by the tests themselves, with one
rule (tests/e2e/conftest.py, tests/unit/bpf_required.h, passed on to
tests/matrix/run through the environment):
  NOMINE_REQUIRE_BPF=1  BPF parts that cannot load are failures, always (CI)
  NOMINE_NO_BPF=1       this machine cannot do BPF: such tests skip
  otherwise             failures when running as root on a kernel with BTF
                        (/sys/kernel/btf/vmlinux), skips elsewhere."""
import collections
import glob
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ_SECONDS = int(os.environ.get("NOMINE_FUZZ_SECONDS", "20"))
STAGES = ("unit", "e2e", "deploy", "miners", "matrix", "san", "fuzz")
MATRIX_RUN = os.path.join(ROOT, "tests", "matrix", "run")

counts = collections.Counter()
skips = collections.defaultdict(list)      # reason -> test names
notes = []                                 # repeated just before the closing line
last_fail = ""                             # the reason of the last failure printed

# "ok 1 - name", "not ok 2 - name", "not ok 3 # SKIP name" (cmocka 1.1),
# "ok - name # SKIP reason" (tests/matrix/run)
TAP_RESULT = re.compile(r"^(not )?ok\b(?:\s+\d+)?(?:\s+-)?\s*(.*)$")
TAP_SKIP = re.compile(r"(?:^|\s)#\s*skip\S*\s*(.*)$", re.IGNORECASE)
TAP_PLAN = re.compile(r"^1\.\.(\d+)")


def flag(name):
    return os.environ.get(name, "0") not in ("", "0")


def bpf_rule():
    """Says which BPF rule the tests apply here (they decide; this only tells)."""
    if flag("NOMINE_REQUIRE_BPF"):
        return "required (NOMINE_REQUIRE_BPF is set)"
    if flag("NOMINE_NO_BPF"):
        return "not required (NOMINE_NO_BPF is set: tests that need it skip)"
    if os.geteuid() == 0 and os.path.exists("/sys/kernel/btf/vmlinux"):
        return ("required (root on a kernel with BTF; NOMINE_NO_BPF=1 if this machine "
                "cannot do BPF)")
    return "not required (not root, or no /sys/kernel/btf/vmlinux: tests that need it skip)"


def record(name, outcome, detail=""):
    """outcome: "pass", "fail" or "skip"."""
    global last_fail
    counts[outcome] += 1
    if outcome == "fail":
        same = detail and detail == last_fail
        print(f"FAILED: {name} {'(the same)' if same else detail}".rstrip(), flush=True)
        last_fail = detail
    elif outcome == "skip":
        skips[detail.strip() or "no reason given"].append(name)


def make(*args):
    t = time.time()
    r = subprocess.run(["make", "-j2", *args], cwd=ROOT)
    print(f"== make {' '.join(args)}: rc={r.returncode} ({time.time() - t:.0f}s)", flush=True)
    return r.returncode == 0


def tap_line(prefix, line, why=""):
    """Records one TAP result line; returns its outcome, or None for other
    lines. why: the reason of a skip whose line does not carry one."""
    m = TAP_RESULT.match(line)
    if not m:
        return None
    text = m.group(2).strip()
    s = TAP_SKIP.search(text)
    if s:
        name = text[:s.start()].strip()
        if name:        # "ok - name # SKIP reason" (tests/matrix/run)
            record(f"{prefix}:{name}", "skip", s.group(1).strip() or why)
        else:           # "not ok 2 # SKIP name" (cmocka 1.1)
            record(f"{prefix}:{s.group(1).strip()}", "skip",
                   why or f"{prefix}: skip() (its output says why)")
        return "skip"
    outcome = "fail" if m.group(1) else "pass"
    record(f"{prefix}:{text}", outcome)
    return outcome


def run_unit(build):
    bins = sorted(b for b in glob.glob(os.path.join(ROOT, build, "tests", "test_*"))
                  if os.access(b, os.X_OK))
    if not bins:
        record(f"{build} unit tests", "fail", "no unit test binaries")
    for b in bins:
        t = time.time()
        prefix = f"{build}:{os.path.basename(b)}"
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
        r = subprocess.run([b], cwd=ROOT, env=env, capture_output=True, text=True,
                           errors="replace")
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr[-20000:])
        plan, seen, why = None, collections.Counter(), ""
        for line in r.stdout.splitlines():
            if plan is None and TAP_PLAN.match(line):
                plan = int(TAP_PLAN.match(line).group(1))
            if line.startswith("skipped: "):    # print_message() before a skip()
                why = f"{os.path.basename(b)}: {line[9:].strip()}"
            outcome = tap_line(prefix, line, why)
            if outcome:
                seen[outcome] += 1
                why = ""
        if not seen["fail"]:
            if r.returncode != 0:
                record(prefix, "fail", f"exit {r.returncode}")
            elif plan is not None and sum(seen.values()) < plan:
                record(prefix, "fail", f"reported {sum(seen.values())} of {plan} tests")
        print(f"== {prefix}: {seen['pass']} passed, {seen['fail']} failed, "
              f"{seen['skip']} skipped ({time.time() - t:.0f}s)", flush=True)


def run_fuzz():
    for b in sorted(glob.glob(os.path.join(ROOT, "build-fuzz", "fuzz", "fuzz_*"))):
        r = subprocess.run([b, f"-max_total_time={FUZZ_SECONDS}", "-rss_limit_mb=2048"],
                           cwd="/tmp", capture_output=True, text=True, errors="replace")
        tail = "\n".join(r.stderr.splitlines()[-3:])
        print(f"== {os.path.basename(b)}: rc={r.returncode}\n{tail}", flush=True)
        record(f"fuzz:{os.path.basename(b)}", "pass" if r.returncode == 0 else "fail",
               r.stderr[-2000:])


def pytest_python():
    """An interpreter that has pytest: this one, else Debian's (python3-pytest)."""
    for py in (sys.executable, "/usr/bin/python3"):
        if py and subprocess.run([py, "-c", "import pytest"],
                                 capture_output=True).returncode == 0:
            return py
    return sys.executable


def run_pytest(stage, where):
    t = time.time()
    xml = f"/tmp/nomine-{stage}-junit-{os.getpid()}.xml"
    r = subprocess.run([pytest_python(), "-m", "pytest", "-v", "-p", "no:cacheprovider",
                        f"--junitxml={xml}", where], cwd=ROOT)
    if not os.path.exists(xml):
        record(stage, "fail", f"pytest exit {r.returncode}, no report")
        return
    seen = collections.Counter()
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = f"{stage}:{case.get('classname')}.{case.get('name')}"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        skipped = case.find("skipped")
        if bad is not None:
            outcome, detail = "fail", (bad.get("message") or "")[:300]
        elif skipped is not None:
            outcome, detail = "skip", skipped.get("message") or ""
        else:
            outcome, detail = "pass", ""
        seen[outcome] += 1
        record(name, outcome, detail)
    os.unlink(xml)
    # 0: all passed, 1: some failed; anything else (interrupted, internal
    # error, usage, none collected) is a failure even with a report
    if r.returncode not in (0, 1) or (r.returncode == 1 and not seen["fail"]):
        record(stage, "fail", f"pytest exit {r.returncode}")
    print(f"== {stage}: {seen['pass']} passed, {seen['fail']} failed, {seen['skip']} skipped "
          f"({time.time() - t:.0f}s)", flush=True)


def run_matrix():
    t = time.time()
    if not (os.path.isfile(MATRIX_RUN) and os.access(MATRIX_RUN, os.X_OK)):
        record("matrix", "fail", f"{os.path.relpath(MATRIX_RUN, ROOT)} is missing or not "
               "executable (CI needs it; NOMINE_MATRIX=0 leaves the stage out by hand)")
        return
    p = subprocess.Popen([MATRIX_RUN, "--build", "build"], cwd=ROOT, stdout=subprocess.PIPE,
                         text=True, errors="replace")
    seen = collections.Counter()
    for line in p.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        outcome = tap_line("matrix", line.rstrip("\n"))
        if outcome:
            seen[outcome] += 1
    rc = p.wait()
    if rc != 0 and not seen["fail"]:
        record("matrix", "fail", f"tests/matrix/run exit {rc}")
    elif not seen:
        record("matrix", "fail", "tests/matrix/run reported no results")
    print(f"== matrix: {seen['pass']} passed, {seen['fail']} failed, {seen['skip']} skipped "
          f"({time.time() - t:.0f}s)", flush=True)


def main():
    asked = sys.argv[1:]
    unknown = [a for a in asked if a not in STAGES]
    if unknown:
        print(f"usage: {sys.argv[0]} [{'|'.join(STAGES)}]...  (unknown: {' '.join(unknown)})",
              file=sys.stderr)
        return 2
    only = [s for s in STAGES if s in (asked or STAGES)]
    if "matrix" in only and os.environ.get("NOMINE_MATRIX") == "0":
        only.remove("matrix")
        notes.append("the matrix stage was left out (NOMINE_MATRIX=0)")
    print(f"== stages: {' '.join(only)}; BPF {bpf_rule()}", flush=True)
    for n in notes:
        print(f"== note: {n}", flush=True)
    started = time.time()

    if {"unit", "e2e", "deploy", "miners", "matrix"} & set(only):
        if not make("tests"):
            record("build", "fail")
        else:
            if "unit" in only:
                run_unit("build")
            if "e2e" in only:
                run_pytest("e2e", "tests/e2e")
            if "deploy" in only:
                run_pytest("deploy", "tests/deploy")
            if "miners" in only:
                run_pytest("miners", "tests/miners")
            if "matrix" in only:
                run_matrix()
    if "san" in only:
        if make("SAN=1", "tests"):
            run_unit("build-san")
        else:
            record("sanitizer build", "fail")
    if "fuzz" in only:
        if make("fuzz"):
            run_fuzz()
        else:
            record("fuzz build", "fail")
    if not counts["pass"] and not counts["fail"]:
        record("suite", "fail", "no test passed")

    for reason, names in sorted(skips.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(names[:3]) + (f", ... ({len(names) - 3} more)" if len(names) > 3 else "")
        print(f"SKIPPED {len(names)}: {reason}\n    {shown}", flush=True)
    for n in notes:
        print(f"== note: {n}", flush=True)
    print(f"== took {time.time() - started:.0f}s", flush=True)
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped",
          flush=True)
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
