# SPDX-License-Identifier: BSD-2-Clause
"""pool.py's judgement, without a miner: the baseline's claim that xmrig
really mines rests on the pool accepting only shares whose result is the
RandomX hash of the pool's own job with the share's nonce, and meets the
target. Forged, duplicate, too weak and foreign shares are refused."""
import io
import json
import struct

import pytest

import pool as poolmod


@pytest.fixture(scope="module")
def pool():
    return poolmod.Pool(difficulty=4, verify=100, out=io.StringIO())


def share(p, nonce, result, job_id=None):
    return {"id": "s", "job_id": job_id or p.job_id, "nonce": nonce.hex(),
            "result": result.hex()}


def hash_of(p, nonce):
    at = poolmod.NONCE_AT
    return p.randomx.hash(p.blob[:at] + nonce + p.blob[at + 4:])


def meets(p, h):
    return int.from_bytes(h[24:], "little") * p.difficulty < 1 << 64


def nonces_by_outcome(p):
    """A nonce whose real hash meets the target, and one whose does not."""
    good = bad = None
    for n in range(1, 200):
        nonce = struct.pack("<I", n)
        h = hash_of(p, nonce)
        if meets(p, h) and good is None:
            good = (nonce, h)
        elif not meets(p, h) and bad is None:
            bad = (nonce, h)
        if good and bad:
            return good, bad
    raise AssertionError("no nonce of each kind in 200 (difficulty 4)")


def test_login_hands_out_a_randomx_job(pool):
    reply = pool.answer({"id": 1, "jsonrpc": "2.0", "method": "login",
                         "params": {"login": "w", "pass": "x", "agent": "XMRig/6.22.2"}}, "sess")
    assert reply["id"] == 1 and reply["error"] is None and reply["result"]["status"] == "OK"
    job = reply["result"]["job"]
    assert job["algo"] == "rx/0" and len(bytes.fromhex(job["seed_hash"])) == 32
    assert len(bytes.fromhex(job["blob"])) == poolmod.BLOB_SIZE
    assert struct.unpack("<I", bytes.fromhex(job["target"]))[0] == 0xFFFFFFFF // 4
    assert pool.answer({"id": 2, "method": "keepalived", "params": {"id": "sess"}},
                       "sess")["result"] == {"status": "KEEPALIVED"}


def test_only_real_randomx_work_is_accepted(pool):
    (nonce, h), (weak_nonce, weak_h) = nonces_by_outcome(pool)
    assert pool.check_share(share(pool, nonce, h)) == (None, True)
    assert pool.check_share(share(pool, nonce, h))[0] == "duplicate share"
    # a result that meets the target but is not the hash of its nonce
    forged = struct.pack("<I", 0xFFFFFF00)
    assert pool.check_share(share(pool, forged, h)) == \
        ("result is not the RandomX hash of the job", True)
    assert pool.check_share(share(pool, weak_nonce, weak_h))[0] == "low difficulty share"
    assert pool.check_share(share(pool, struct.pack("<I", 7777), h, "other"))[0] == \
        "unknown job"
    reply = pool.answer({"id": 3, "method": "submit", "params": share(pool, forged, h)}, "s")
    assert reply["result"] is None and reply["error"]["code"] == -1
    facts = [json.loads(ln) for ln in pool.out.getvalue().splitlines()]
    assert facts[-1]["event"] == "submit" and facts[-1]["valid"] is False
