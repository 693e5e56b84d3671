# SPDX-License-Identifier: BSD-2-Clause
"""A ConfigMap or Secret volume laid out on disk as the kubelet lays it out,
so that what nomine's config watcher sees in a test is what it sees in a pod:
the files live in a hidden timestamped directory, `..data` is a symlink to
it, and each file name is a symlink through `..data`. An update writes a new
timestamped directory, makes the new file links, then renames a fresh
`..data_tmp` link over `..data` (the one atomic step), and only then removes
the links of files that went away and the old directory (the order of
Kubernetes' AtomicWriter)."""
import os
import secrets
import shutil
import time
from pathlib import Path

DATA = "..data"
DATA_TMP = "..data_tmp"


class Volume:
    def __init__(self, path, mode=0o644):
        self.path = Path(path)
        self.path.mkdir(parents=True)
        self.mode = mode    # the volume's defaultMode (Kubernetes' default: 0644)
        self.files = {}     # what is published: {name: text}

    def write(self, files):
        """Publishes files ({name: text}) as the volume's whole content."""
        old = os.readlink(self.path / DATA) if (self.path / DATA).is_symlink() else None
        stamp = time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime()) + \
            str(secrets.randbelow(10 ** 9))
        ts = self.path / stamp
        ts.mkdir(mode=0o755)
        for name, text in files.items():
            f = ts / name
            f.write_text(text)
            f.chmod(self.mode)
        tmp = self.path / DATA_TMP
        os.symlink(stamp, tmp)
        for name in files:
            link = self.path / name
            if not link.is_symlink():
                os.symlink(f"{DATA}/{name}", link)
        os.rename(tmp, self.path / DATA)
        for name in set(self.files) - set(files):
            (self.path / name).unlink()
        if old:
            shutil.rmtree(self.path / old)
        self.files = dict(files)
