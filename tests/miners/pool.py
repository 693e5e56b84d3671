#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""pool.py - a Monero mining pool on loopback, just enough for a real xmrig:
it hands out one RandomX job and takes its shares.

    pool.py [--new-netns] [--difficulty N] [--verify N]

Speaks the Stratum dialect Monero pools and xmrig use (JSON-RPC 2.0, one
object a line, over plain TCP): `login` is answered with a session id and a
job (a 76-byte block hashing blob, the nonce at bytes 39..42, a 32-bit
target, algo "rx/0", a height and a RandomX seed hash); `submit` (job id,
nonce, result) is checked and answered {"status": "OK"} or an error;
`keepalived` is answered {"status": "KEEPALIVED"}. Nothing is ever sent on:
the pool is a sink.

Listens on 127.0.0.1, on a port the kernel picks. With --new-netns it first
moves into a network namespace of its own with only `lo`, brought up, so
that neither it nor a miner joining that namespace
(/proc/<its pid>/ns/net) can reach any other address.

Every fact goes to stdout as one JSON object a line, with "mono"
(CLOCK_MONOTONIC, seconds: the same clock as the test's time.monotonic())
and "time" (seconds since the epoch): "listening" (port, pid), "connect",
"login" (login, agent, algos), "submit" (job_id, nonce, result, valid,
verified, why), "keepalived", "close", "error".

A share is valid when its nonce is new and its result meets the target.
The first --verify N shares (default 5) are also recomputed here with
Debian's librandomx (light mode: about 50 ms a hash, so not every share, to
leave the CPUs to the miner): a verified share ("verified": true) proves
the miner did real RandomX work on the pool's job."""
import argparse
import ctypes
import fcntl
import json
import os
import secrets
import socket
import struct
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
NONCE_AT = 39                   # where Monero's hashing blob keeps the nonce
BLOB_SIZE = 76                  # the shortest blob xmrig takes (a block with no tx)
RANDOMX_FLAG_FULL_MEM = 4


def new_netns():
    """unshare(CLONE_NEWNET), then lo up: the namespace's only interface."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"unshare(CLONE_NEWNET): {os.strerror(e)}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


class RandomX:
    """The reference RandomX hash (light mode: the 256 MiB cache, no
    dataset) through Debian's librandomx, for one seed."""

    def __init__(self, seed):
        lib = ctypes.CDLL("librandomx.so.0")
        lib.randomx_get_flags.restype = ctypes.c_int
        lib.randomx_alloc_cache.restype = ctypes.c_void_p
        lib.randomx_alloc_cache.argtypes = [ctypes.c_int]
        lib.randomx_init_cache.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.randomx_create_vm.restype = ctypes.c_void_p
        lib.randomx_create_vm.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        lib.randomx_calculate_hash.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                               ctypes.c_size_t, ctypes.c_char_p]
        flags = lib.randomx_get_flags() & ~RANDOMX_FLAG_FULL_MEM
        self.lib = lib
        self.cache = lib.randomx_alloc_cache(flags)
        if not self.cache:
            raise MemoryError("randomx_alloc_cache failed")
        lib.randomx_init_cache(self.cache, seed, len(seed))
        self.vm = lib.randomx_create_vm(flags, self.cache, None)
        if not self.vm:
            raise MemoryError("randomx_create_vm failed")
        self.lock = threading.Lock()

    def hash(self, data):
        out = ctypes.create_string_buffer(32)
        with self.lock:         # one VM, not reentrant
            self.lib.randomx_calculate_hash(self.vm, data, len(data), out)
        return out.raw


class Pool:
    def __init__(self, difficulty, verify, out=sys.stdout):
        """verify: how many shares to recompute (0: none)."""
        self.difficulty = difficulty
        self.out = out
        self.out_lock = threading.Lock()
        self.seed = secrets.token_bytes(32)
        self.job_id = secrets.token_hex(4)
        self.height = 3000000
        # version 16.16, a timestamp, a previous block id, the nonce (zero),
        # a tree root and a transaction count: the shape of a Monero block
        # hashing blob; the contents only need to be this pool's own
        self.blob = (bytes([16, 16]) + secrets.token_bytes(5) + secrets.token_bytes(32) +
                     bytes(4) + secrets.token_bytes(32) + bytes([1]))
        assert len(self.blob) == BLOB_SIZE and self.blob[NONCE_AT:NONCE_AT + 4] == bytes(4)
        self.target32 = 0xFFFFFFFF // difficulty
        self.seen = set()
        self.seen_lock = threading.Lock()
        self.verify = verify
        # before listening: the first share must not wait for the cache
        self.randomx = RandomX(self.seed) if verify else None

    def emit(self, event, at=None, **fields):
        """One fact; at: (monotonic, epoch) when it happened, default now."""
        mono, wall = at or (time.monotonic(), time.time())
        rec = {"event": event, "mono": mono, "time": wall, **fields}
        with self.out_lock:
            self.out.write(json.dumps(rec) + "\n")
            self.out.flush()

    def job(self):
        return {"blob": self.blob.hex(), "job_id": self.job_id,
                "target": struct.pack("<I", self.target32).hex(), "algo": "rx/0",
                "height": self.height, "seed_hash": self.seed.hex()}

    def check_share(self, params):
        """(why not, or None for a valid share; whether it was recomputed)."""
        if params.get("job_id") != self.job_id:
            return "unknown job", False
        try:
            nonce = bytes.fromhex(params["nonce"])
            result = bytes.fromhex(params["result"])
        except (KeyError, TypeError, ValueError):
            return "malformed nonce or result", False
        if len(nonce) != 4 or len(result) != 32:
            return "malformed nonce or result", False
        with self.seen_lock:
            if nonce in self.seen:
                return "duplicate share", False
            self.seen.add(nonce)
            recompute = self.randomx is not None and self.verify > 0
            self.verify -= recompute
        # xmrig's rule: the hash's last 8 bytes, little-endian, below 2^64 / difficulty
        if int.from_bytes(result[24:], "little") * self.difficulty >= 1 << 64:
            return "low difficulty share", False
        if recompute:
            blob = self.blob[:NONCE_AT] + nonce + self.blob[NONCE_AT + 4:]
            if self.randomx.hash(blob) != result:
                return "result is not the RandomX hash of the job", True
        return None, recompute

    def answer(self, req, session):
        """The reply to one request (a dict), or None for a notification."""
        method, params, rid = req.get("method"), req.get("params") or {}, req.get("id")
        result, error = None, None
        if method == "login":
            self.emit("login", session=session, login=params.get("login"),
                      agent=params.get("agent"), algos=params.get("algo"))
            result = {"id": session, "job": self.job(), "extensions": ["keepalive"],
                      "status": "OK"}
        elif method == "submit":
            at = (time.monotonic(), time.time())        # arrival, before the check
            why, verified = self.check_share(params)
            self.emit("submit", at, session=session, job_id=params.get("job_id"),
                      nonce=params.get("nonce"), result=params.get("result"),
                      valid=why is None, verified=verified, why=why)
            if why:
                error = {"code": -1, "message": why}
            else:
                result = {"status": "OK"}
        elif method == "keepalived":
            self.emit("keepalived", session=session)
            result = {"status": "KEEPALIVED"}
        else:
            self.emit("error", session=session, why=f"unknown method {method!r}")
            error = {"code": -1, "message": "unknown method"}
        if rid is None:
            return None
        return {"id": rid, "jsonrpc": "2.0", "error": error, "result": result}

    def serve_one(self, conn, peer):
        session = secrets.token_hex(8)
        self.emit("connect", session=session, peer=f"{peer[0]}:{peer[1]}")
        with conn, conn.makefile("rb") as rf:
            for line in rf:
                try:
                    req = json.loads(line)
                    if not isinstance(req, dict):
                        raise ValueError("not an object")
                except ValueError as e:
                    self.emit("error", session=session, why=f"bad request: {e}")
                    break
                reply = self.answer(req, session)
                if reply is not None:
                    try:
                        conn.sendall(json.dumps(reply).encode() + b"\n")
                    except OSError:
                        break
        self.emit("close", session=session)

    def serve(self):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        self.emit("listening", port=srv.getsockname()[1], pid=os.getpid(),
                  difficulty=self.difficulty, verify=self.verify)
        while True:
            conn, peer = srv.accept()
            threading.Thread(target=self.serve_one, args=(conn, peer), daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--new-netns", action="store_true",
                    help="serve from a new network namespace holding only lo")
    ap.add_argument("--difficulty", type=int, default=1000,
                    help="share difficulty (hashes per share on average), 1..2^32-1")
    ap.add_argument("--verify", type=int, default=5, metavar="N",
                    help="recompute the RandomX hash of the first N shares")
    args = ap.parse_args()
    if not 1 <= args.difficulty <= 0xFFFFFFFF:
        ap.error("--difficulty out of range")
    if args.new_netns:
        new_netns()
    Pool(args.difficulty, args.verify).serve()


if __name__ == "__main__":
    main()
