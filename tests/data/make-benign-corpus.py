#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""make-benign-corpus.py - writes tests/data/benign-cmdlines.txt: command lines
of the kind JupyterHub and BinderHub users run all day, which the built-in
config (config/default.yaml) must never kill.

Each line is one process's argv joined with single spaces, as nomine matches
it (`nomine check -- ARGV...` shows the same join): no shell quoting, since
the shell has removed it before exec. Arguments never contain a newline
(code given to `python -c` uses "; " instead).

The lines come from templates filled with realistic arguments (package names,
notebook names, hosts, hashes, UUIDs, base64 blobs, versions) drawn from a
seeded generator, so the file is the same on every run; FIXED holds lines
written by hand because each one is a trap for a tempting indicator (see
docs/default-config.md, "What is left out"). Borderline cases decided here:
Monero wallet RPC tutorials, Bitcoin regtest, private Ethereum dev chains and
blockchain notebooks are benign (they do not mine for anyone), and so is
building or testing RandomX and ethash from source.

Usage: make-benign-corpus.py [--seed N] [--out PATH]
"""

import argparse
import base64
import os
import random
import uuid

from corpus_file import write_lines

HERE = os.path.dirname(os.path.abspath(__file__))

USERS = ["jovyan", "alice", "bob", "student42", "prof-lee", "ta_cho", "kim", "m.rossi",
         "hpark", "ngozi", "li-wei", "djones", "fatima.z", "rstudio"]
WORDS = ["data", "plot", "analysis", "model", "train", "eval", "clean", "load", "report",
         "figure", "lab", "hw", "project", "final", "draft", "week", "lecture", "exercise",
         "solution", "survey", "census", "climate", "ocean", "genome", "protein", "network",
         "graph", "text", "sentiment", "vision", "speech", "pricing", "portfolio", "risk",
         "stratigraphy", "seismic", "galaxy", "spectra", "traffic", "energy", "election",
         "hash", "pool", "mining", "token", "chain", "ledger", "wallet", "crypto", "block"]
PY = ["/opt/conda/bin/python", "/opt/conda/bin/python3.11", "/usr/bin/python3", "python",
      "python3", "/srv/conda/envs/notebook/bin/python", "/usr/local/bin/python3.12",
      "/home/jovyan/.venv/bin/python"]
PIP_PKGS = [
    "numpy", "pandas", "scipy", "matplotlib", "scikit-learn", "torch", "torchvision",
    "torchaudio", "tensorflow", "keras", "jax[cpu]", "jupyterlab", "ipywidgets", "seaborn",
    "xarray", "dask[complete]", "distributed", "requests", "beautifulsoup4", "lxml",
    "sqlalchemy", "psycopg2-binary", "pyarrow", "polars", "numba", "sympy", "networkx",
    "plotly", "bokeh", "altair", "statsmodels", "xgboost", "lightgbm", "catboost",
    "transformers", "datasets", "accelerate", "sentencepiece", "opencv-python-headless",
    "pillow", "h5py", "netcdf4", "cartopy", "geopandas", "shapely", "rasterio", "nbconvert",
    "black", "ruff", "pytest", "pytest-cov", "mypy", "pre-commit", "tqdm", "rich", "typer",
    "spacy", "nltk", "gensim", "textblob", "wordcloud", "mlxtend", "pyLDAvis", "obspy",
    "pycryptodome", "cryptography", "pynacl", "web3", "eth-account", "eth-brownie",
    "py-evm", "pyethash", "ethash", "bitcoinlib", "python-bitcoinlib", "bit", "monero",
    "py-cryptonight", "pyrx", "ecdsa", "coincurve", "base58", "mnemonic", "hdwallet",
    "py-solc-x", "ccxt", "pycoingecko", "yfinance", "blockcypher", "hashids", "passlib",
    "argon2-cffi", "bcrypt", "scrypt", "pyotp", "pyjwt", "pymining", "minecraft-launcher-lib", "mcstatus", "pygame", "gymnasium",
    "stable-baselines3", "rl-zoo3", "optuna", "mlflow", "wandb", "tensorboard",
    "streamlit", "voila", "panel", "gradio", "dash", "fastapi", "uvicorn", "flask",
    "papermill", "jupytext", "nbstripout", "jupyter-book", "quarto-cli", "pyyaml",
    "dask-ml", "ray[default]", "pyspark", "duckdb", "openpyxl", "xlrd", "pdfplumber",
    "camelot-py", "tabula-py", "selenium", "playwright", "scrapy", "tweepy", "praw"]
CONDA_PKGS = ["numpy", "pandas", "xarray", "dask", "netcdf4", "cartopy", "gdal",
              "geopandas", "r-base", "r-tidyverse", "r-irkernel", "julia", "nodejs",
              "openjdk", "gcc", "gxx", "cmake", "make", "boost-cpp", "hdf5", "libnetcdf",
              "pytorch", "cudatoolkit", "cudnn", "tensorflow", "cryptography", "openssl",
              "libsodium", "pycryptodome", "ipykernel", "xeus-cling", "xeus-python",
              "jupyterlab-git", "nb_conda_kernels", "mamba", "pip", "python=3.11",
              "python=3.10", "numpy=1.26", "pandas>=2", "esmpy", "xesmf", "metpy", "obspy",
              "pymc", "arviz", "stan", "cmdstanpy", "rdkit", "biopython", "pysam",
              "samtools", "bwa", "snakemake", "nextflow", "graphviz", "ffmpeg", "imagemagick"]
CHANNELS = ["conda-forge", "bioconda", "pytorch", "nvidia", "defaults", "r"]
NPM_PKGS = ["react", "react-dom", "webpack", "webpack-cli", "typescript", "eslint",
            "@types/node", "vite", "express", "lodash", "axios", "jest", "prettier", "next",
            "d3", "three", "socket.io", "ethers", "web3", "hardhat", "@openzeppelin/contracts",
            "crypto-js", "bitcoinjs-lib", "bip39", "tweetnacl", "@jupyterlab/application",
            "@jupyter-widgets/jupyterlab-manager", "plotly.js-dist", "leaflet", "chart.js",
            "mathjax", "katex", "jsdom", "puppeteer", "playwright", "node-fetch", "yargs",
            "commander", "dotenv", "mongoose", "pg", "sqlite3", "uuid", "nanoid", "ws"]
R_PKGS = ["tidyverse", "data.table", "ggplot2", "dplyr", "shiny", "rmarkdown", "knitr",
          "caret", "randomForest", "xgboost", "lme4", "brms", "sf", "terra", "leaflet",
          "tm", "tidytext", "quanteda", "arules", "igraph", "devtools", "IRkernel",
          "languageserver", "openssl", "digest", "sodium", "httr", "jsonlite", "rvest"]
JL_PKGS = ["DataFrames", "CSV", "Plots", "Makie", "CairoMakie", "Flux", "DifferentialEquations",
           "JuMP", "HiGHS", "Pluto", "IJulia", "SHA", "MbedTLS", "Turing", "Distributions"]
NOTEBOOKS = ["analysis", "Week3_Text_Mining", "data-mining-lab2", "bitcoin-tutorial",
             "Blockchain_101", "ethereum_smart_contracts", "crypto_price_analysis",
             "monero_ring_signatures", "proof_of_work_demo", "hash_tables", "Stratigraphy",
             "seismic_strata", "01-intro", "02-numpy", "03-pandas", "04-visualisation",
             "exam_solutions", "CNN_mnist", "transformers_finetune", "climate_anomalies",
             "mining_pool_economics", "Gold_Miner_RL", "minecraft_world_stats",
             "Crypto_Mining_Energy_Use", "randomness_tests", "sha256_from_scratch"]
HOSTS = ["github.com", "gitlab.com", "codeberg.org", "bitbucket.org", "git.example.edu"]
ORGS = ["jupyterhub", "binder-examples", "numpy", "pandas-dev", "scikit-learn",
        "pytorch", "huggingface", "ethereum", "bitcoin", "monero-project", "tevador",
        "ethereum", "OpenZeppelin", "data-8", "carpentries", "fastai", "rstudio",
        "JuliaLang", "geopandas", "pangeo-data", "dask", "ml-explore", "karpathy"]
REPOS = ["binderhub", "zero-to-jupyterhub-k8s", "notebooks", "course-materials", "lab",
         "go-ethereum", "ethash", "RandomX", "monero", "bitcoin", "openzeppelin-contracts",
         "minGPT", "nanoGPT", "textbook", "pangeo-tutorial", "hw-solutions", "thesis",
         "dask-tutorial", "blockchain-course", "proof-of-work-demo", "geo-strata"]
ARCHIVES = ["data.tar.gz", "results.tgz", "corpus.zip", "model.tar.xz", "images.tar",
            "shapefiles.zip", "era5_2020.nc.gz", "logs-2024.tar.zst"]
SCHEDS = ["10.0.3.5:8786", "dask-scheduler:8786", "10.244.1.17:8786", "127.0.0.1:8786",
          "scheduler.dask-gateway.svc:8786"]
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class Gen:
    """Random building blocks, all drawn from one seeded generator."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, xs):
        return self.r.choice(xs)

    def some(self, xs, lo, hi):
        return self.r.sample(xs, self.r.randint(lo, min(hi, len(xs))))

    def hexs(self, n):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def uuid(self):
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def b64(self, nbytes, url=False):
        raw = bytes(self.r.getrandbits(8) for _ in range(nbytes))
        return (base64.urlsafe_b64encode(raw) if url else base64.b64encode(raw)).decode()

    def word(self):
        return self.pick(WORDS)

    def name(self, sep="_"):
        return sep.join(self.word() for _ in range(self.r.randint(1, 3)))

    def user(self):
        return self.pick(USERS)

    def home(self):
        return "/home/" + self.user()

    def py(self):
        return self.pick(PY)

    def ver(self):
        return "%d.%d.%d" % (self.r.randint(0, 4), self.r.randint(0, 30), self.r.randint(0, 12))

    def ip(self):
        return "10.%d.%d.%d" % (self.r.randint(0, 255), self.r.randint(0, 255),
                                self.r.randint(1, 254))

    def port(self):
        return str(self.pick([8888, 8000, 8080, 8501, 8866, 5000, 6006, 8787, 3000, 4040,
                              self.r.randint(1024, 65535)]))

    def kernel_json(self):
        return "%s/.local/share/jupyter/runtime/kernel-%s.json" % (self.home(), self.uuid())

    def nb(self):
        return self.pick(NOTEBOOKS) + ".ipynb"

    def repo_url(self):
        return "https://%s/%s/%s.git" % (self.pick(HOSTS), self.pick(ORGS), self.pick(REPOS))

    def sentence(self, lo=2, hi=12):
        return " ".join(self.word() for _ in range(self.r.randint(lo, hi)))

    def btc_addr(self):
        return "bcrt1q" + "".join(self.r.choice("023456789acdefghjklmnpqrstuvwxyz")
                                  for _ in range(38))

    def xmr_stagenet_addr(self):
        # wallet tutorials print and paste addresses like this one
        return "5" + "".join(self.r.choice(B58) for _ in range(94))


# ---- one function per kind of command; each returns an argv list ----

def jupyter_kernel(g):
    k = g.r.random()
    if k < 0.55:
        return [g.py(), "-m", "ipykernel_launcher", "-f", g.kernel_json()]
    if k < 0.65:
        return ["/usr/lib/R/bin/exec/R", "--no-echo", "--no-restore", "-e", "IRkernel::main()",
                "--args", g.kernel_json()]
    if k < 0.75:
        return ["julia", "-i", "--color=yes", "--project=@.",
                "/opt/julia/packages/IJulia/%s/src/kernel.jl" % g.b64(3, url=True)[:5],
                g.kernel_json()]
    if k < 0.82:
        return ["xcpp", "-f", g.kernel_json(), "-std=c++17"]
    if k < 0.9:
        return [g.py(), "-m", "bash_kernel", "-f", g.kernel_json()]
    return ["/opt/conda/bin/xpython", "-f", g.kernel_json()]


def jupyter_server(g):
    token = g.hexs(48)
    k = g.r.random()
    if k < 0.4:
        return [g.py(), "/opt/conda/bin/jupyterhub-singleuser", "--ip=0.0.0.0",
                "--port=%s" % g.port(), "--SingleUserNotebookApp.default_url=/lab",
                "--ServerApp.token=%s" % token if g.r.random() < 0.3 else "--debug"]
    if k < 0.6:
        return ["/usr/bin/tini", "-g", "--", "start-notebook.sh",
                "--NotebookApp.base_url=/user/%s/" % g.user(),
                "--NotebookApp.token=%s" % token]
    if k < 0.8:
        return [g.py(), "/opt/conda/bin/jupyter-lab", "--ip=0.0.0.0", "--port=%s" % g.port(),
                "--no-browser", "--ServerApp.root_dir=%s" % g.home()]
    return g.pick([
        ["jupyter", "lab", "build", "--minimize=False"],
        ["jupyter", "labextension", "list"],
        ["jupyter", "kernelspec", "list", "--json"],
        ["jupyter", "server", "list"],
        [g.py(), "-m", "ipykernel", "install", "--user", "--name", g.name("-"),
         "--display-name", "Python (%s)" % g.word()],
        ["jupyter", "nbextension", "enable", "--py", "widgetsnbextension", "--sys-prefix"],
        ["jupyter", "trust", g.nb()],
    ])


def nbconvert(g):
    k = g.r.random()
    if k < 0.45:
        return ["jupyter", "nbconvert", "--to", g.pick(["html", "pdf", "notebook", "script",
                                                         "markdown", "webpdf"]),
                "--execute", "--ExecutePreprocessor.timeout=%d" % g.r.randint(60, 3600),
                g.nb()] + (["--inplace"] if g.r.random() < 0.3 else [])
    if k < 0.8:
        params = []
        for _ in range(g.r.randint(0, 6)):
            params += ["-p", g.word(), str(g.pick([g.r.randint(0, 100), g.r.random(),
                                                   g.word()]))]
        return ["papermill", g.nb(), "output/%s-%s.ipynb" % (g.word(), g.hexs(8)),
                "-k", g.pick(["python3", "ir", "julia-1.10"])] + params
    return g.pick([
        ["jupytext", "--to", "py:percent", g.nb()],
        ["nbstripout", "--install", "--attributes", ".gitattributes"],
        ["jupyter-book", "build", "book/", "--builder", "html"],
        ["quarto", "render", g.nb(), "--to", "html"],
        [g.py(), "-m", "nbconvert", "--to", "slides", g.nb(), "--post", "serve"],
    ])


def pip(g):
    pkgs = []
    for p in g.some(PIP_PKGS, 1, 18):
        r = g.r.random()
        pkgs.append(p + ("==" + g.ver() if r < 0.3 else ">=" + g.ver() if r < 0.4 else ""))
    head = g.pick([[g.py(), "-m", "pip"], ["pip"], ["pip3"], ["/opt/conda/bin/pip"]])
    k = g.r.random()
    if k < 0.6:
        opts = g.some(["--user", "-U", "--no-cache-dir", "-q", "--upgrade-strategy",
                       "--progress-bar", "--prefer-binary", "--no-deps"], 0, 2)
        if "--upgrade-strategy" in opts:
            opts[opts.index("--upgrade-strategy")] = "--upgrade-strategy=eager"
        if "--progress-bar" in opts:
            opts[opts.index("--progress-bar")] = "--progress-bar=off"
        return head + ["install"] + opts + pkgs
    if k < 0.7:
        return head + ["install", "--index-url", "https://download.pytorch.org/whl/cu121",
                       "torch==2.%d.%d" % (g.r.randint(0, 5), g.r.randint(0, 3))]
    if k < 0.8:
        # hash-checking mode: one sha256 per requirement
        out = head + ["install", "--require-hashes", "--no-deps"]
        for p in pkgs[:4]:
            out += [p.split("=")[0].split(">")[0] + "==" + g.ver(),
                    "--hash=sha256:" + g.hexs(64)]
        return out
    if k < 0.9:
        return head + ["install", "git+https://%s/%s/%s.git@%s" % (
            g.pick(HOSTS), g.pick(ORGS), g.pick(REPOS), g.hexs(40))]
    return head + g.pick([["install", "-r", "requirements.txt"], ["install", "-e", ".[dev]"],
                          ["freeze"], ["list", "--outdated"], ["uninstall", "-y"] + pkgs[:3],
                          ["download", "--no-binary", ":all:", pkgs[0]], ["check"],
                          ["wheel", "-w", "dist/", "."], ["cache", "purge"]])


def conda(g):
    tool = g.pick(["conda", "mamba", "micromamba", "/opt/conda/bin/conda",
                   "/srv/conda/bin/mamba"])
    chans = []
    for c in g.some(CHANNELS, 0, 3):
        chans += ["-c", c]
    pkgs = g.some(CONDA_PKGS, 1, 14)
    k = g.r.random()
    if k < 0.5:
        return [tool, "install", "-y"] + chans + pkgs
    if k < 0.7:
        return [tool, "create", "-y", "-n", g.name("-")] + chans + pkgs
    if k < 0.85:
        return [tool, "env", "update", "-n", g.pick(["base", "notebook", g.word()]),
                "-f", g.pick(["environment.yml", "binder/environment.yml",
                              ".binder/environment.yaml"]), "--prune"]
    return [tool] + g.pick([["run", "-n", g.word(), "python", "%s.py" % g.name()],
                            ["env", "export", "--no-builds"], ["clean", "-afy"],
                            ["list", "--explicit", "--md5"], ["info", "--envs"],
                            ["search", "-c", "conda-forge", g.pick(CONDA_PKGS)]])


def git(g):
    k = g.r.random()
    if k < 0.2:
        return ["git", "clone"] + g.some(["--depth", "--recurse-submodules", "-q"], 0, 1) + \
               [g.repo_url()]
    if k < 0.35:
        return ["git", "commit", "-m", g.sentence()]
    if k < 0.45:
        return ["git", "checkout", "-b", "%s/%s" % (g.word(), g.name("-"))]
    if k < 0.55:
        return ["git", g.pick(["show", "cat-file", "revert", "cherry-pick"]),
                g.pick(["-p", "--no-edit", "--stat"]), g.hexs(40)]
    if k < 0.62:
        return ["/usr/lib/git-core/git-remote-https", "origin", g.repo_url()]
    if k < 0.7:
        return ["git", "-c", "credential.helper=", "-c", "core.quotepath=false",
                "-c", "color.ui=false", "fetch", "--prune", "origin"]
    return ["git"] + g.pick([
        ["status", "--porcelain=v2", "--branch"], ["pull", "--rebase", "origin", "main"],
        ["push", "-u", "origin", g.name("-")], ["log", "--oneline", "-n", "20"],
        ["log", "--pretty=format:%H %an %s", "--since=2.weeks"], ["diff", "HEAD~1", "--stat"],
        ["add", "-A", "."], ["add", "-A", "notebooks/"], ["submodule", "update", "--init",
                                                         "--recursive"],
        ["lfs", "pull"], ["rev-parse", "--abbrev-ref", "HEAD"], ["stash", "pop"],
        ["config", "--global", "user.email", "%s@example.edu" % g.user()],
        ["rebase", "-i", "HEAD~%d" % g.r.randint(2, 9)], ["blame", "-L", "10,40",
                                                          "src/%s.py" % g.name()],
    ])


def build(g):
    src = g.name()
    k = g.r.random()
    if k < 0.2:
        cc = g.pick(["gcc", "g++", "clang", "clang++", "cc", "mpicc", "nvcc"])
        return [cc] + g.some(["-O2", "-O3", "-g", "-Wall", "-Wextra", "-std=c11",
                              "-std=c++17", "-fPIC", "-march=native", "-fopenmp",
                              "-DNDEBUG", "-pthread"], 2, 7) + \
               ["-I%s/include" % g.home(), "-c", "%s.c" % src, "-o", "build/%s.o" % src]
    if k < 0.32:
        tmp = "/tmp/cc%s.s" % g.b64(6, url=True)[:6]
        return ["/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-quiet", "-I", "include",
                "-imultiarch", "x86_64-linux-gnu", "src/%s.c" % src, "-quiet", "-dumpdir",
                "build/", "-dumpbase", "%s.c" % src, "-dumpbase-ext", ".c", "-mtune=generic",
                "-march=x86-64", "-O2", "-Wall", "-o", tmp]
    if k < 0.4:
        objs = ["build/%s.o" % g.name() for _ in range(g.r.randint(3, 60))]
        return ["/usr/bin/ld", "-plugin", "/usr/libexec/gcc/x86_64-linux-gnu/12/liblto_plugin.so",
                "--build-id", "--eh-frame-hdr", "-m", "elf_x86_64", "--hash-style=gnu",
                "-dynamic-linker", "/lib64/ld-linux-x86-64.so.2", "-pie", "-o",
                "bin/%s" % src] + objs + ["-lm", "-lpthread", "-lc"]
    if k < 0.55:
        return g.pick([["make", "-j%d" % g.r.randint(1, 16)],
                       ["make", "-C", "%s/src/%s" % (g.home(), src), "all"],
                       ["make", "test", "CC=clang"], ["make", "install",
                                                      "PREFIX=%s/.local" % g.home()]])
    if k < 0.7:
        return g.pick([
            ["cmake", "-S", ".", "-B", "build", "-G", "Ninja",
             "-DCMAKE_BUILD_TYPE=%s" % g.pick(["Release", "Debug", "RelWithDebInfo"]),
             "-DCMAKE_INSTALL_PREFIX=%s/.local" % g.home()],
            ["cmake", "--build", "build", "--parallel", str(g.r.randint(2, 16))],
            ["ninja", "-C", "build"], ["ctest", "--test-dir", "build", "--output-on-failure"],
            ["cmake", "-DARCH=native", "-DCMAKE_BUILD_TYPE=Release", ".."]])
    if k < 0.85:
        return ["rustc", "--crate-name", src, "--edition=2021", "src/lib.rs",
                "--crate-type", "lib", "-C", "opt-level=3", "-C", "metadata=%s" % g.hexs(16),
                "-C", "extra-filename=-%s" % g.hexs(16), "--out-dir",
                "%s/target/release/deps" % g.home()]
    return ["/usr/local/go/pkg/tool/linux_amd64/compile", "-o", "$WORK/b001/_pkg_.a",
            "-trimpath", "$WORK/b001=>", "-p", "main", "-lang=go1.21", "-complete",
            "-buildid", "%s/%s" % (g.b64(15, url=True), g.b64(15, url=True)),
            "-goversion", "go1.21.5", "-c=4", "-nolocalimports", "-importcfg",
            "$WORK/b001/importcfg", "-pack", "./main.go"]


def r_lang(g):
    k = g.r.random()
    if k < 0.3:
        return ["Rscript", "-e", "install.packages(c(%s), repos=\"https://cloud.r-project.org\")"
                % ", ".join('"%s"' % p for p in g.some(R_PKGS, 1, 6))]
    if k < 0.55:
        return ["Rscript", "%s.R" % g.name(), "--input", "data/%s.csv" % g.name(),
                "--seed", str(g.r.randint(1, 99999))]
    if k < 0.75:
        return ["/usr/lib/R/bin/exec/R", "--no-echo", "--no-restore",
                "--file=%s.R" % g.name(), "--args", g.word()]
    return g.pick([["R", "CMD", "INSTALL", "--no-multiarch", "%s_%s.tar.gz" % (g.word(),
                                                                          g.ver())],
                   ["R", "-e", "rmarkdown::render(\"%s.Rmd\")" % g.name()],
                   ["rserver", "--www-port=8787", "--auth-none=1", "--server-user=%s"
                    % g.user()],
                   ["R", "--slave", "-e", "languageserver::run()"]])


def julia(g):
    return g.pick([
        ["julia", "--project=.", "-e", "using Pkg; Pkg.add([%s])"
         % ", ".join('"%s"' % p for p in g.some(JL_PKGS, 1, 5))],
        ["julia", "-t", str(g.r.randint(1, 8)), "%s.jl" % g.name(), "--n",
         str(g.r.randint(10, 10 ** 6))],
        ["julia", "--startup-file=no", "--project=@.", "-e",
         "using Pluto; Pluto.run(host=\"0.0.0.0\", port=1234, launch_browser=false)"],
        ["julia", "--project=.", "-e", "using Pkg; Pkg.instantiate(); Pkg.precompile()"],
    ])


def node(g):
    k = g.r.random()
    if k < 0.4:
        return [g.pick(["npm", "yarn", "pnpm"]), g.pick(["install", "add", "i"])] + \
               g.some(["--save", "--save-dev", "-D", "--legacy-peer-deps"], 0, 1) + \
               g.some(NPM_PKGS, 1, 10)
    if k < 0.55:
        return ["node", "/usr/lib/node_modules/npm/bin/npm-cli.js",
                g.pick(["ci", "run build", "test", "audit fix"]).split()[0]]
    if k < 0.7:
        return ["npx"] + g.pick([["hardhat", "compile"], ["hardhat", "test"],
                                 ["hardhat", "node"], ["hardhat", "run",
                                                       "scripts/deploy.js", "--network",
                                                       "localhost"],
                                 ["create-react-app", g.name("-")], ["tsc", "-p",
                                                                     "tsconfig.json"],
                                 ["eslint", "--fix", "src/"], ["prettier", "--write", "."]])
    if k < 0.85:
        return ["node", "%s/%s/server.js" % (g.home(), g.word()), "--port", g.port()]
    return ["node", "/opt/conda/lib/node_modules/configurable-http-proxy/bin/"
            "configurable-http-proxy", "--ip", "0.0.0.0", "--port", "8000", "--api-ip",
            "127.0.0.1", "--api-port", "8001", "--default-target", "http://hub:8081",
            "--error-target", "http://hub:8081/hub/error"]


def dask(g):
    k = g.r.random()
    if k < 0.5:
        return ["dask-worker", "tcp://" + g.pick(SCHEDS), "--nthreads", str(g.r.randint(1, 8)),
                "--memory-limit", "%dGB" % g.r.randint(1, 64), "--name",
                "dask-worker-%s" % g.uuid(), "--nanny", "--death-timeout", "60"]
    if k < 0.7:
        return ["dask-scheduler", "--port", "8786", "--dashboard-address", ":8787",
                "--idle-timeout", "3600"]
    if k < 0.8:
        return [g.py(), "-m", "distributed.cli.dask_worker", "tls://" + g.pick(SCHEDS),
                "--tls-ca-file", "/etc/dask/ca.pem"]
    return g.pick([["ray", "start", "--head", "--num-cpus=%d" % g.r.randint(1, 32),
                    "--dashboard-host=0.0.0.0"],
                   ["ray", "start", "--address=%s:6379" % g.ip()],
                   ["spark-submit", "--master", "local[%d]" % g.r.randint(1, 8),
                    "--driver-memory", "4g", "%s.py" % g.name()],
                   ["mpirun", "-np", str(g.r.randint(2, 64)), "python",
                    "simulate_%s.py" % g.name()]])


def net(g):
    k = g.r.random()
    if k < 0.15:
        return ["ssh", "-i", "%s/.ssh/id_ed25519" % g.home(), "-o",
                "StrictHostKeyChecking=accept-new", "-p", str(g.pick([22, 2222])),
                "%s@%s" % (g.user(), g.pick(["login.hpc.example.edu", g.ip(),
                                             "cluster.example.org"]))]
    if k < 0.22:
        return ["ssh-keygen", "-t", "ed25519", "-a", "100", "-C",
                "%s@example.edu" % g.user(), "-f", "%s/.ssh/id_ed25519" % g.home(), "-N", ""]
    if k < 0.3:
        return [g.pick(["scp", "rsync"]), g.pick(["-r", "-avz", "-a", "-avP"]),
                "results/", "%s@%s:/scratch/%s/" % (g.user(), g.ip(), g.user())]
    if k < 0.55:
        url = g.pick([
            "https://raw.githubusercontent.com/%s/%s/main/%s.csv" % (g.pick(ORGS),
                                                                     g.pick(REPOS), g.name()),
            "https://zenodo.org/records/%d/files/%s" % (g.r.randint(10 ** 6, 10 ** 7),
                                                        g.pick(ARCHIVES)),
            "https://api.coingecko.com/api/v3/simple/price?ids=bitcoin,ethereum,monero"
            "&vs_currencies=usd",
            "https://api.github.com/repos/%s/%s/releases/latest" % (g.pick(ORGS),
                                                                    g.pick(REPOS)),
            "https://data.example.gov/api/views/%s/rows.csv" % g.hexs(8),
            "https://install.python-poetry.org", "https://sh.rustup.rs",
            "https://julialang-s3.julialang.org/bin/linux/x64/1.10/julia-1.10.2-linux-"
            "x86_64.tar.gz"])
        return g.pick([["curl", "-fsSL", url, "-o", g.pick(ARCHIVES)],
                       ["wget", "-q", url], ["wget", "-O", "-", url],
                       ["curl", "-s", "-H", "Authorization: token %s" % g.hexs(32),
                        "http://127.0.0.1:8081/hub/api/users/%s" % g.user()],
                       ["curl", "-H", "Authorization: Basic %s" % g.b64(24), url]])
    if k < 0.65:
        return ["curl", "-X", "POST", "-H", "Content-Type: application/json", "-d",
                '{"name": "%s", "path": "%s"}' % (g.word(), g.nb()),
                "http://localhost:%s/api/sessions?token=%s" % (g.port(), g.hexs(48))]
    if k < 0.75:
        return [g.py(), "-m", "http.server", g.port(), "--bind", "0.0.0.0",
                "--directory", g.pick(["site", "_build/html", "public"])]
    return g.pick([["ping", "-c", "3", "pypi.org"], ["nc", "-zv", g.ip(), g.port()],
                   ["dig", "+short", "github.com"], ["ssh-add", "-l"],
                   ["gh", "repo", "clone", "%s/%s" % (g.pick(ORGS), g.pick(REPOS))]])


def media(g):
    inp = g.pick(["input.mp4", "lecture%02d.mov" % g.r.randint(1, 30), "clip.mkv",
                  "recording.wav", "talk.webm"])
    return g.pick([
        ["ffmpeg", "-y", "-i", inp, "-vf", "scale=1280:-2", "-c:v", "libx264", "-preset",
         g.pick(["slow", "medium", "veryfast"]), "-crf", str(g.r.randint(18, 28)), "-c:a",
         "aac", "-b:a", "128k", "out/%s.mp4" % g.name()],
        ["ffmpeg", "-ss", "00:%02d:00" % g.r.randint(0, 59), "-t", str(g.r.randint(5, 120)),
         "-i", inp, "-an", "frames/%s_%%04d.png" % g.word()],
        ["ffmpeg", "-framerate", str(g.pick([24, 25, 30, 60])), "-pattern_type", "glob", "-i",
         "frames/*.png", "-pix_fmt", "yuv420p", "animation.mp4"],
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", inp],
        ["convert", "-density", "300", "figure.pdf", "-quality", "90", "figure.png"],
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "%s.tex" % g.name()],
        ["latexmk", "-pdf", "-shell-escape", "thesis.tex"],
        ["pandoc", "-s", "%s.md" % g.name(), "-o", "report.pdf", "--pdf-engine=xelatex"],
    ])


def archive(g):
    a = g.pick(ARCHIVES)
    return g.pick([
        ["tar", "-xzf", a, "-C", "data/"], ["tar", "-czvf", "%s-%s.tgz" % (g.word(), g.hexs(6)),
                                             "results/"],
        ["tar", "-a", "-cf", "backup.tar.xz", "notebooks/"], ["unzip", "-q", "-o", a],
        ["gzip", "-d", a], ["zstd", "-d", "--rm", a], ["7z", "x", a], ["xz", "-T0", "-9",
                                                                      "model.bin"],
        ["sha256sum", "-c", "SHA256SUMS"], ["shasum", "-a", g.pick(["1", "256", "512"]), a],
        ["b2sum", a], ["md5sum", a],
    ])


def pytool(g):
    k = g.r.random()
    if k < 0.2:
        opts = g.some([["--cov=%s" % g.word()], ["--cov-report=xml"], ["-n", "auto"],
                       ["-k", "not slow"], ["--maxfail=3"], ["-p", "no:cacheprovider"]], 0, 4)
        return [g.py(), "-m", "pytest", "-x", "-q", "tests/"] + sum(opts, [])
    if k < 0.3:
        return g.pick([[g.py(), "-m", "black", "."], ["ruff", "check", "--fix", "."],
                       ["mypy", "src/"], ["pre-commit", "run", "--all-files"],
                       [g.py(), "-m", "build"], [g.py(), "-m", "venv", ".venv"],
                       [g.py(), "-m", "spacy", "download", "en_core_web_sm"],
                       [g.py(), "-m", "nltk.downloader", "punkt", "stopwords", "wordnet"]])
    if k < 0.45:
        return ["torchrun", "--nproc_per_node=%d" % g.r.randint(1, 8), "train.py",
                "--batch-size", str(g.pick([16, 32, 64, 128])), "--lr", "3e-4", "--epochs",
                str(g.r.randint(1, 100)), "--output-dir", "checkpoints/%s" % g.uuid()]
    if k < 0.6:
        # reinforcement learning zoo, scikit-learn and hashing scripts use --algo too
        return g.pick([
            [g.py(), "train.py", "--algo", g.pick(["ppo", "sac", "td3", "a2c", "dqn", "ddpg",
                                                    "qrdqn", "tqc", "trpo"]),
             "--env", g.pick(["CartPole-v1", "Pendulum-v1", "LunarLander-v2",
                              "MountainCar-v0"])],
            [g.py(), "-m", "rl_zoo3.train", "--algo=ppo", "--env", "BipedalWalker-v3"],
            [g.py(), "cluster.py", "--algorithm", g.pick(["lloyd", "elkan", "kd_tree",
                                                           "ball_tree", "brute", "auto"])],
            [g.py(), "hash_bench.py", "--algo", g.pick(["sha256", "blake2b", "sha3_256", "md5",
                                                         "xxhash", "scrypt", "bcrypt"])],
            [g.py(), "kdf_demo.py", "--algorithm=%s" % g.pick(["argon2id", "pbkdf2", "scrypt",
                                                               "bcrypt"])],
            [g.py(), "sort_visualizer.py", "-a", g.pick(["quicksort", "mergesort", "heapsort"])],
        ])
    if k < 0.75:
        opts = g.some([["--input", "data/%s.csv" % g.name()], ["--output", "out/"],
                       ["--seed", str(g.r.randint(0, 9999))], ["--verbose"],
                       ["--workers", str(g.r.randint(1, 16))],
                       ["--config", "configs/%s.yaml" % g.word()]], 0, 4)
        return [g.py(), "%s.py" % g.name()] + sum(opts, [])
    if k < 0.85:
        return g.pick([
            ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address",
             "0.0.0.0", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            ["voila", "--port=8866", "--no-browser", "--Voila.ip=0.0.0.0", g.nb()],
            ["panel", "serve", "app.py", "--allow-websocket-origin=*", "--port", g.port()],
            ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", g.port(), "--reload"],
            ["gunicorn", "-w", "4", "-b", "0.0.0.0:%s" % g.port(), "app:app"],
            ["flask", "run", "--host=0.0.0.0", "--port=5000"],
            ["bokeh", "serve", "--show", "dashboard/"], ["gradio", "app.py"]])
    return g.pick([
        ["tensorboard", "--logdir", "runs/%s" % g.uuid(), "--port", "6006", "--bind_all"],
        ["mlflow", "ui", "--backend-store-uri", "sqlite:///mlflow.db", "--port", "5000"],
        ["wandb", "agent", "%s/%s/%s" % (g.user(), g.word(), g.b64(6, url=True))],
        ["code-server", "--auth", "none", "--bind-addr", "127.0.0.1:8080",
         "--disable-telemetry", g.home()],
        ["node", "%s/.vscode-server/bin/%s/out/server-main.js" % (g.home(), g.hexs(40)),
         "--start-server", "--host=127.0.0.1", "--accept-server-license-terms",
         "--enable-remote-auto-shutdown", "--port=0", "--connection-token-file",
         "%s/.vscode-server/.%s.token" % (g.home(), g.hexs(40))],
        [g.py(), "-m", "jedi_language_server"], ["pylsp", "--tcp", "--port", "2087"],
        ["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv", "-l", "5"],
    ])


def shell(g):
    h = g.home()
    return g.pick([
        ["/bin/bash", "-l"], ["bash", "-c", "cat %s/data/*.csv | grep -v ^# | awk -F, "
                                            "{s+=$3} END {print s}" % h],
        ["sh", "-c", "find %s -name *.ipynb -mtime -1 | xargs -r ls -la" % h],
        ["ps", "aux", "--sort=-%cpu"], ["top", "-b", "-n", "1"], ["htop"],
        ["du", "-sh", "%s/%s" % (h, g.word())], ["df", "-h", "/home"], ["free", "-h"],
        ["ls", "-la", "%s/%s" % (h, g.word())], ["ls", "-a"], ["uname", "-a"],
        ["watch", "-n", "1", "nvidia-smi"], ["tail", "-f", "logs/%s.log" % g.word()],
        ["grep", "-rn", g.word(), "src/"], ["vim", "%s.py" % g.name()],
        ["nano", "README.md"], ["tmux", "new", "-s", g.word()], ["screen", "-S", g.word()],
        ["sleep", str(g.r.randint(1, 3600))], ["kill", "-TERM", str(g.r.randint(100, 99999))],
        ["cp", "-a", "%s/%s" % (h, g.word()), "/tmp/%s" % g.word()],
        ["rsync", "-a", "--delete", "notebooks/", "backup/notebooks/"],
        ["docker", "ps", "-a"], ["lscpu"], ["nproc"], ["env"], ["locale"],
        ["sed", "-i", "s/%s/%s/g" % (g.word(), g.word()), "config.yaml"],
        ["chmod", "+x", "run_%s.sh" % g.word()], ["mkdir", "-p", "%s/%s/%s" % (h, g.word(),
                                                                           g.word())],
        ["echo", g.b64(g.r.randint(16, 300))], ["base64", "-d", "%s.b64" % g.word()],
        ["openssl", "rand", "-hex", "32"], ["openssl", "dgst", "-sha256", g.pick(ARCHIVES)],
        ["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-a", "-in", "secret.txt", "-out",
         "secret.enc"],
        ["openssl", "genpkey", "-algorithm", "ed25519", "-out", "key.pem"],
        ["gpg", "--armor", "--detach-sign", "release.tar.gz"],
        ["hashcat", "-a", g.pick(["0", "3", "6"]), "-m", g.pick(["0", "100", "1400", "1800"]),
         "hashes.txt", "rockyou.txt"],
        ["john", "--format=raw-sha256", "--wordlist=words.txt", "hashes.txt"],
        ["uuidgen"], ["date", "+%s"], ["whoami"], ["id", "-u"],
    ])


def hub_infra(g):
    return g.pick([
        ["jupyterhub", "-f", "/usr/local/etc/jupyterhub/jupyterhub_config.py", "--upgrade-db"],
        ["/usr/local/bin/repo2docker", "--ref", g.hexs(40), "--image-name",
         "registry.example.org/binder-%s:%s" % (g.hexs(12), g.hexs(40)), "--no-run",
         "--user-id", "1000", "--user-name", "jovyan", g.repo_url()[:-4]],
        ["/usr/local/bin/start-singleuser.sh", "--SingleUserNotebookApp.default_url=/lab"],
        ["docker", "pull", "quay.io/jupyter/scipy-notebook@sha256:%s" % g.hexs(64)],
        ["apt-get", "install", "-y", "--no-install-recommends"] +
        g.some(["libssl-dev", "libsodium-dev", "libhwloc-dev", "libuv1-dev", "librandomx-dev",
                "libgmp-dev", "build-essential", "pkg-config", "graphviz", "ffmpeg"], 1, 5),
        ["/bin/sh", "-c", "%s -m pip install --no-cache-dir -r binder/requirements.txt"
         % g.py()],
    ])


def blockchain(g):
    """Blockchain and wallet tutorials: none of them mines for anyone."""
    rpc = "127.0.0.1:%d" % g.pick([18081, 28081, 38081, 38083, 8545, 18443])
    return g.pick([
        ["jupyter", "nbconvert", "--execute", "--to", "notebook", "--inplace",
         g.pick(["bitcoin-tutorial.ipynb", "Blockchain_101.ipynb", "proof_of_work_demo.ipynb",
                 "ethereum_smart_contracts.ipynb", "monero_ring_signatures.ipynb"])],
        [g.py(), "ethereum_wallet_demo.py", "--network", g.pick(["sepolia", "holesky",
                                                                  "localhost"])],
        [g.py(), "blockchain.py", "--port", str(g.r.randint(5000, 5010))],
        ["curl", "-s", "http://localhost:%d/mine" % g.r.randint(5000, 5010)],
        ["curl", "-X", "POST", "-H", "Content-Type: application/json", "-d",
         '{"sender": "%s", "recipient": "%s", "amount": %d}' % (g.hexs(32), g.hexs(32),
                                                                g.r.randint(1, 100)),
         "http://localhost:5000/transactions/new"],
        ["bitcoind", "-regtest", "-daemon", "-fallbackfee=0.0002",
         "-datadir=%s/.bitcoin-regtest" % g.home()],
        ["bitcoin-cli", "-regtest", "generatetoaddress", "101", g.btc_addr()],
        ["bitcoin-cli", "-regtest", "getblockchaininfo"],
        ["geth", "--dev", "--http", "--http.api", "eth,web3,net", "--datadir", "devchain"],
        ["ganache", "--wallet.deterministic", "--port", "8545"],
        ["anvil", "--port", "8545", "--chain-id", "31337"],
        ["cast", "send", "0x" + g.hexs(40), "transfer(address,uint256)", "0x" + g.hexs(40),
         str(g.r.randint(1, 10 ** 6)), "--private-key", "0x" + g.hexs(64), "--rpc-url",
         "http://127.0.0.1:8545"],
        ["forge", "test", "-vvv"], ["brownie", "test", "--network", "development"],
        ["solc", "--optimize", "--bin", "--abi", "contracts/%s.sol" % g.pick(
            ["Token", "Crowdsale", "Voting", "MiningPoolToken"]), "-o", "build/"],
        ["go", "build", "./cmd/geth"], ["go", "test", "./consensus/ethash/..."],
        ["go", "test", "-run", "TestHashimoto", "./consensus/ethash"],
        ["monero-wallet-rpc", "--stagenet", "--daemon-address", rpc, "--rpc-bind-port",
         "38083", "--wallet-file", "wallets/%s" % g.user(), "--password", "",
         "--disable-rpc-login"],
        ["monero-wallet-cli", "--stagenet", "--generate-new-wallet", "wallets/%s" % g.user(),
         "--mnemonic-language", "English", "--password", ""],
        ["monerod", "--stagenet", "--detach", "--data-dir", "%s/.monero-stagenet" % g.home(),
         "--prune-blockchain"],
        ["curl", "http://%s/json_rpc" % rpc, "-d",
         '{"jsonrpc":"2.0","id":"0","method":"%s"}' % g.pick(["get_balance", "get_address",
                                                               "get_info", "get_height"]),
         "-H", "Content-Type: application/json"],
        [g.py(), "monero_wallet_demo.py", "--address", g.xmr_stagenet_addr()],
        ["build/randomx-tests"], ["cmake", "-DARCH=native", "../RandomX"],
        [g.py(), "-c", "from web3 import Web3; w3 = Web3(Web3.HTTPProvider('http://%s')); "
                       "print(w3.eth.block_number)" % rpc],
    ])


def long_python(g):
    """python -c with long programs: several KiB, base64 and hex blobs."""
    stmts = [
        "import numpy as np", "import pandas as pd", "df = pd.read_csv('data.csv')",
        "print(df.describe())", "x = np.linspace(0, 1, 1000)", "import json, sys, hashlib",
        "h = hashlib.sha256(open('data.csv', 'rb').read()).hexdigest()",
        "assert h == '%s'" % g.hexs(64), "import base64",
        "blob = base64.b64decode('%s')" % g.b64(g.r.randint(60, 900)),
        "key = bytes.fromhex('%s')" % g.hexs(g.r.randint(32, 256)),
        "run_id = '%s'" % g.uuid(), "from sklearn.linear_model import LinearRegression",
        "m = LinearRegression().fit(X, y)", "print(m.coef_, m.intercept_)",
        "for i in range(10): print(i, i * i)", "import subprocess",
        "subprocess.run(['ls', '-la'], check=True)",
        "open('out.png', 'wb').write(base64.b64decode('iVBORw0KGgo%s'))" % g.b64(300),
    ]
    size = g.r.randint(2048, 8192) if g.r.random() < 0.6 else g.r.randint(200, 1500)
    parts = []
    while sum(len(p) + 2 for p in parts) < size:
        parts.append(g.pick(stmts))
    return [g.py(), "-c", "; ".join(parts)]


def long_lists(g):
    """Long argument lists: big installs, many files, long classpaths."""
    k = g.r.random()
    if k < 0.3:
        return ["pip", "install"] + g.some(PIP_PKGS, 40, 90)
    if k < 0.5:
        return ["rm", "-f"] + ["%s/cache/%s.npy" % (g.home(), g.hexs(16))
                               for _ in range(g.r.randint(50, 300))]
    if k < 0.7:
        return ["java", "-Xmx4g", "-cp", ":".join("/opt/spark/jars/%s-%s.jar" % (
            g.name("-"), g.ver()) for _ in range(g.r.randint(40, 200))),
            "org.apache.spark.deploy.SparkSubmit", "--master", "local[4]", "job.py"]
    if k < 0.85:
        return ["jupyter", "nbconvert", "--to", "html"] + \
               ["lectures/%02d-%s.ipynb" % (i, g.name("-")) for i in range(g.r.randint(20, 90))]
    return ["gcc", "-o", "bin/sim"] + ["build/%s.o" % g.name() for _ in
                                       range(g.r.randint(60, 250))] + ["-lm", "-lfftw3"]


# Hand-written traps: each would be killed by an indicator that is
# deliberately not in the default list (docs/default-config.md).
FIXED = [
    "pip install --user pandas scikit-learn text-mining nltk",
    "pip install monero py-cryptonight pyrx pyethash ethash",
    "conda install -y -c conda-forge xarray dask netcdf4 cryptography",
    "npm install --save express socket.io crypto-js",
    "git clone https://github.com/jupyterhub/binderhub.git",
    "git clone https://github.com/tevador/RandomX.git",
    "git clone --depth 1 https://github.com/ethereum/go-ethereum",
    "git clone https://github.com/monero-project/monero.git",
    "cp -a RandomX /tmp/randomx-backup",
    "ls -a ethash",
    "git add -A randomx/",
    "git commit -m Add data mining notebook for week 3",
    "gcc -O2 -Wall -o hash_table hash_table.c -lm",
    "cargo build --release --bin pool-allocator",
    "python text_mining.py --corpus data/reviews.csv",
    "python data-mining-lab.py --input mining_results.csv --miner apriori",
    "Rscript -e library(tm); library(arules)",
    "python plot_stratum.py --stratum 3 --formation Morrison",
    "python stratigraphy.py --stratum-depth 40 --stratum tcp",
    "java -Xms1G -Xmx2G -jar minecraft_server.1.20.4.jar nogui",
    "java -jar paper-1.20.4.jar --nogui --world mining_world",
    "ls /usr/share/doc/monero/",
    "cat docs/monero-mining-economics.md",
    "python -c import hashlib; print(hashlib.sha256(b'x').hexdigest())",
    "python gold_miner_game.py --level 2",
    "python dinosaur_game.py --player t-rex",
    "npm install t-rex-runner",
    "python -m pytest -x tests/test_hash_pool.py",
    "R --no-save -f mining_regression.R",
    "jupyter nbconvert --to html Crypto_Mining_Energy_Use.ipynb",
    "python blockchain_course/proof_of_work.py --difficulty 4 --nonce-pool 8",
    "ssh -p 2222 student@minecraft.example.org",
    "python train.py --algo ppo --env CartPole-v1",
    "python bench.py --algorithm sha256 --rounds 1000",
    "python plot_hashrate.py --coin monero --source data/network_hashrate.csv",
    "python -m rl_zoo3.train --algo dqn --env Pong-v5",
    "shasum -a 256 ethash.tar.gz",
    "hashcat -a 3 -m 1400 hashes.txt ?l?l?l?l?l?l",
    "openssl genpkey -algorithm ed25519 -out key.pem",
    "ssh-keygen -t ed25519 -a 100 -f /home/jovyan/.ssh/id_ed25519",
    "go test ./consensus/ethash/...",
    "./build/randomx-tests",
    "apt-get install -y librandomx-dev",
    "monero-wallet-cli --testnet --generate-new-wallet demo --mnemonic-language English",
    "bitcoin-cli -regtest generatetoaddress 1 bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080",
    "nvidia-smi --query-gpu=utilization.gpu --format=csv",
    "python -m spacy download en_core_web_sm",
    "python plot_pool.py --pool-size 3 --stride 2 --pool max",
    "python -m http.server 8000",
    "python mine_tweets.py --hashtags crypto,bitcoin --limit 5000",
]

KINDS = [  # (function, lines)
    (jupyter_kernel, 150), (jupyter_server, 60), (nbconvert, 60), (pip, 130), (conda, 60),
    (git, 100), (build, 100), (r_lang, 40), (julia, 25), (node, 50), (dask, 40), (net, 70),
    (media, 35), (archive, 30), (pytool, 110), (shell, 80), (hub_infra, 20),
    (blockchain, 70), (long_python, 40), (long_lists, 30),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20240612)
    ap.add_argument("--out", default=os.path.join(HERE, "benign-cmdlines.txt"))
    args = ap.parse_args()
    g = Gen(args.seed)
    lines = list(FIXED)
    for fn, n in KINDS:
        for _ in range(n):
            argv = [a for a in fn(g) if a != ""]
            lines.append(" ".join(argv))
    write_lines(args.out, lines)


if __name__ == "__main__":
    main()
