#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# deps.sh - installs the Debian packages nomine needs, only those missing.
#   scripts/deps.sh build    to build and run
#   scripts/deps.sh test     to build and run every test and benchmark
set -euo pipefail

# ca-certificates: the CA bundle the image carries for libcurl (deploy/image/rootfs-files)
build=(gcc make clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
       libpcre2-dev libjansson-dev libyaml-dev libmicrohttpd-dev nettle-dev libcurl4-openssl-dev
       ca-certificates)
test=("${build[@]}" libcmocka-dev libclang-rt-14-dev python3 python3-pytest
      python3-ahocorasick python3-yaml bc prometheus librandomx-dev
      containerd runc busybox-static qemu-system-x86 cpio npm
      umoci systemd debian-archive-keyring iproute2 jupyterhub
      prometheus-alertmanager)

case "${1:-build}" in
build) want=("${build[@]}") ;;
test) want=("${test[@]}") ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	# npm also comes with NodeSource's nodejs, which conflicts with Debian's npm
	[ "$p" = npm ] && command -v npm >/dev/null && continue
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	# The tests run a private containerd of their own; a system one that the
	# package started on a systemd machine would be a server left running.
	if [[ " ${missing[*]} " == *" containerd "* ]] && [ -d /run/systemd/system ]; then
		systemctl disable --now containerd.service >&2 || true
	fi
	if [[ " ${missing[*]} " == *" prometheus-alertmanager "* ]] && [ -d /run/systemd/system ]; then
		systemctl disable --now prometheus-alertmanager.service >&2 || true
	fi
fi
