#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""run_all.py - builds and runs every nomine test, ends with "N passed, N failed".

Stages: build; unit tests (cmocka, TAP output) plain and under ASan/UBSan;
short libFuzzer runs; end-to-end tests (pytest) against the real kernel.
With NOMINE_REQUIRE_BPF set, a skipped test counts as failed."""
import glob
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIRE_BPF = os.environ.get("NOMINE_REQUIRE_BPF", "0") not in ("", "0")
FUZZ_SECONDS = int(os.environ.get("NOMINE_FUZZ_SECONDS", "20"))
passed = failed = 0


def record(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {name} {detail}", flush=True)


def make(*args):
    t = time.time()
    r = subprocess.run(["make", "-j2", *args], cwd=ROOT)
    print(f"== make {' '.join(args)}: rc={r.returncode} ({time.time() - t:.0f}s)", flush=True)
    return r.returncode == 0


def run_unit(build):
    bins = sorted(glob.glob(os.path.join(ROOT, build, "tests", "test_*")))
    if not bins:
        record(f"{build} unit tests", False, "no unit test binaries")
    for b in bins:
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
        r = subprocess.run([b], cwd=ROOT, env=env, capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        oks = [l for l in r.stdout.splitlines() if l.startswith("ok ")]
        bad = [l for l in r.stdout.splitlines() if l.startswith("not ok ")]
        for l in oks:
            record(f"{build}:{l}", True)
        for l in bad:
            record(f"{build}:{l}", False)
        if r.returncode != 0 and not bad:
            record(f"{build}:{os.path.basename(b)}", False, f"exit {r.returncode}")


def run_fuzz():
    for b in sorted(glob.glob(os.path.join(ROOT, "build-fuzz", "fuzz", "fuzz_*"))):
        r = subprocess.run([b, f"-max_total_time={FUZZ_SECONDS}", "-rss_limit_mb=2048"],
                           cwd="/tmp", capture_output=True, text=True)
        tail = "\n".join(r.stderr.splitlines()[-3:])
        print(f"== {os.path.basename(b)}: rc={r.returncode}\n{tail}", flush=True)
        record(f"fuzz:{os.path.basename(b)}", r.returncode == 0, r.stderr[-2000:])


def run_e2e():
    xml = "/tmp/nomine-e2e-junit.xml"
    r = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
                        f"--junitxml={xml}", "tests/e2e"], cwd=ROOT)
    if not os.path.exists(xml):
        record("e2e", False, f"pytest exit {r.returncode}, no report")
        return
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = f"e2e:{case.get('classname')}.{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            record(name, False)
        elif case.find("skipped") is not None:
            record(name, not REQUIRE_BPF, "skipped while NOMINE_REQUIRE_BPF is set")
        else:
            record(name, True)
    os.unlink(xml)


def main():
    only = sys.argv[1:] or ["unit", "san", "fuzz", "e2e"]
    if not make("tests"):
        record("build", False)
    else:
        if "unit" in only:
            run_unit("build")
        if "e2e" in only:
            run_e2e()
    if "san" in only:
        if make("SAN=1", "tests"):
            run_unit("build-san")
        else:
            record("sanitizer build", False)
    if "fuzz" in only:
        if make("fuzz"):
            run_fuzz()
        else:
            record("fuzz build", False)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
