#!/bin/sh
# deps.sh - install the Debian packages mini-kvm needs, only those missing.
# Quiet and quick when everything is present; uses sudo when not root.
set -e
PKGS="python3 nasm libcriterion-dev gdb qemu-system-x86 gcc-multilib pkg-config hyperfine time valgrind clang libclang-rt-dev graphviz"

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: this is not a Debian system; install their equivalents by hand" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps: missing packages:$missing — run as root or install sudo" >&2
		exit 1
	fi
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
