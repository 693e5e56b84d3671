# SPDX-License-Identifier: BSD-2-Clause
"""unit_sandbox.py - runs a command confined the way a systemd unit file
says, without systemd: for machines where systemd is not PID 1 (this one,
CI), so the hardening of deploy/systemd/nomine.service is tried on the real
daemon all the same. As a script:

    unit_sandbox.py UNIT [--keep PATH]... -- ARGV...

applies, in a mount namespace of its own, then execs ARGV (same PID):
  ProtectSystem=strict, ProtectHome=read-only   every mount read-only, apart
                                                from /proc, /sys, /dev
  ProtectKernelTunables=yes                     /sys and /proc/sys & co. too
  ReadWritePaths=                               those mounts writable again
  PrivateTmp=yes                                empty /tmp and /var/tmp
  PrivateDevices=yes                            a /dev of null, zero, full,
                                                random, urandom, tty
  NoNewPrivileges=yes, CapabilityBoundingSet=   prctl, as systemd does them
  MemoryDenyWriteExecute=yes                    prctl(PR_SET_MDWE)
  RestrictAddressFamilies=,                     a seccomp filter on socket()
  SystemCallArchitectures=native                and socketpair(), and on the
                                                architecture
Not emulated: the options that change nothing nomine does (LockPersonality,
RestrictRealtime, RestrictSUIDSGID, RestrictNamespaces, ProtectClock,
ProtectKernelLogs, ProtectKernelModules, UMask), MemoryMax, and ambient
capabilities (the unit runs as root). --keep names a test's path under /tmp
(its config directory, a containerd state) that stays visible, read-only, in
the private /tmp: the stand-ins of /etc/nomine and /run/containerd.

Imported, it gives the tests the unit parser (`read_unit`)."""
import ctypes
import errno
import os
import re
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_void_p]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                       ctypes.c_ulong]

CLONE_NEWNS = 0x00020000
MS = {"ro": 1, "nosuid": 2, "nodev": 4, "noexec": 8, "noatime": 1024, "nodiratime": 2048,
      "relatime": 1 << 21, "strictatime": 1 << 24}
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_SECCOMP, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_MDWE = 22, 24, 38, 65
PR_MDWE_REFUSE_EXEC_GAIN = 1
SECCOMP_MODE_FILTER = 2
CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]
AF = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17}
# (AUDIT_ARCH, socket, socketpair) per machine
ARCH = {"x86_64": (0xC000003E, 41, 53), "aarch64": (0xC00000B7, 198, 199)}
TUNABLES = ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs",
            "/proc/latency_stats", "/proc/timer_list", "/proc/acpi"]
DEVICES = ["null", "zero", "full", "random", "urandom", "tty"]


def read_unit(text):
    """{section: {key: [values]}}: repeated keys add values, an empty
    assignment clears them (as systemd reads ExecStart=)."""
    unit, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        m = re.fullmatch(r"\[(.+)\]", line)
        if m:
            section = unit.setdefault(m.group(1), {})
            continue
        key, _, value = line.partition("=")
        values = section.setdefault(key.strip(), [])
        if value.strip():
            values.append(value.strip())
        else:
            values.clear()
    return unit


def _check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def _mount(src, target, fstype, flags, data=None):
    enc = (lambda s: s.encode() if isinstance(s, str) else s)
    _check(libc.mount(enc(src), enc(target), enc(fstype), flags, enc(data)),
           f"mount {src} on {target}")


def _mounts():
    """[(mount point, per-mount flags)] in /proc/self/mountinfo order."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            path = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            flags = sum(MS.get(o, 0) for o in fields[5].split(","))
            out.append((path, flags))
    return out


def _under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def _remount(pred, ro):
    for path, flags in _mounts():
        if not pred(path):
            continue
        flags = (flags | MS["ro"]) if ro else (flags & ~MS["ro"])
        try:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | flags)
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.EACCES):
                raise


def _private_tmp(keep):
    keep = [p for p in keep if _under(p, "/tmp") or _under(p, "/var/tmp")]
    fds = {p: os.open(p, os.O_PATH) for p in keep}
    for tmp in ("/tmp", "/var/tmp"):
        _mount("tmpfs", tmp, "tmpfs", MS["nosuid"] | MS["nodev"], "mode=1777")
    for path, fd in fds.items():
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _remount(lambda p, path=path: _under(p, path), ro=True)
        os.close(fd)


def _private_devices():
    fds = {d: os.open(f"/dev/{d}", os.O_PATH) for d in DEVICES if os.path.exists(f"/dev/{d}")}
    _mount("tmpfs", "/dev", "tmpfs", MS["nosuid"] | MS["noexec"], "mode=755")
    for d, fd in fds.items():
        open(f"/dev/{d}", "w").close()
        _mount(f"/proc/self/fd/{fd}", f"/dev/{d}", None, MS_BIND)
        os.close(fd)
    os.mkdir("/dev/shm")
    _mount("tmpfs", "/dev/shm", "tmpfs", MS["nosuid"] | MS["nodev"], "mode=1777")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"/dev/{name}")


def apply_mounts(svc, keep):
    _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    api = ("/proc", "/sys", "/dev")
    if svc.get("ProtectSystem") == ["strict"]:
        _remount(lambda p: not any(_under(p, a) for a in api), ro=True)
    elif svc.get("ProtectHome") == ["read-only"]:
        _remount(lambda p: any(_under(p, h) for h in ("/home", "/root", "/run/user")), ro=True)
    if svc.get("ProtectKernelTunables") == ["yes"]:
        for path in TUNABLES:
            if os.path.exists(path) and not os.path.ismount(path):
                _mount(path, path, None, MS_BIND)
        _remount(lambda p: _under(p, "/sys") or p in TUNABLES, ro=True)
    for rw in " ".join(svc.get("ReadWritePaths", [])).split():
        _remount(lambda p, rw=rw: _under(p, rw), ro=False)
    if svc.get("PrivateTmp") == ["yes"]:
        _private_tmp(keep)
    if svc.get("PrivateDevices") == ["yes"]:
        _private_devices()


def socket_filter(families):
    """A classic BPF seccomp program: other architectures are killed
    (SystemCallArchitectures=native); socket() and socketpair() of a family
    not listed fail with EAFNOSUPPORT, as systemd makes them fail."""
    audit_arch, nr_socket, nr_socketpair = ARCH[os.uname().machine]
    allow, deny, kill = 0x7FFF0000, 0x00050000 | errno.EAFNOSUPPORT, 0x80000000
    n = len(families)
    prog = [(0x20, 0, 0, 4),                           # A = arch
            (0x15, 1, 0, audit_arch),
            (0x06, 0, 0, kill),
            (0x20, 0, 0, 0),                           # A = nr
            (0x15, 1, 0, nr_socket),
            (0x15, 0, n + 2, nr_socketpair),           # neither: allow
            (0x20, 0, 0, 16)]                          # A = args[0] (low half)
    prog += [(0x15, n - i, 0, fam) for i, fam in enumerate(families)]
    prog += [(0x06, 0, 0, deny), (0x06, 0, 0, allow)]
    return b"".join(struct.pack("HBBI", *ins) for ins in prog), len(prog)


def apply_process(svc):
    if svc.get("NoNewPrivileges") == ["yes"]:
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
    if "CapabilityBoundingSet" in svc:
        keep = set(" ".join(svc["CapabilityBoundingSet"]).split())
        unknown = keep - set(CAPS)
        assert not unknown, f"unknown capabilities {unknown}"
        last = int(open("/proc/sys/kernel/cap_last_cap").read())
        for cap in range(last + 1):
            if cap >= len(CAPS) or CAPS[cap] not in keep:
                _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"drop capability {cap}")
    if svc.get("MemoryDenyWriteExecute") == ["yes"]:
        _check(libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0), "PR_SET_MDWE")
    if "RestrictAddressFamilies" in svc:
        fams = [AF[f] for f in " ".join(svc["RestrictAddressFamilies"]).split()]
        code, length = socket_filter(fams)
        buf = ctypes.create_string_buffer(code)
        fprog = struct.pack("HxxxxxxP", length, ctypes.addressof(buf))
        fbuf = ctypes.create_string_buffer(fprog)
        _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fbuf), 0, 0),
               "PR_SET_SECCOMP")
        # the filter holds: a family left out cannot be had
        import socket
        try:
            socket.socket(AF["AF_PACKET"] if AF["AF_PACKET"] not in fams else 38)
            raise AssertionError("the socket filter let a left-out family through")
        except OSError as e:
            assert e.errno == errno.EAFNOSUPPORT, e


def main(argv):
    sep = argv.index("--")
    unit_path, opts, command = argv[1], argv[2:sep], argv[sep + 1:]
    keep = [opts[i + 1] for i, o in enumerate(opts) if o == "--keep"]
    with open(unit_path) as f:
        svc = read_unit(f.read())["Service"]
    apply_mounts(svc, keep)
    apply_process(svc)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
