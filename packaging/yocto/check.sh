#!/usr/bin/env bash
# Checks the layer with bitbake itself (no Yocto linter is packaged for Debian): parse every
# recipe (bitbake -p), show the recipe's final variables (bitbake -e thingsjs-agent), and
# dry-run its build (bitbake -n thingsjs-agent), offline (BB_NO_NETWORK = "1").
#
#   packaging/yocto/check.sh [--release scarthgap|master] [--user NAME]
#
# Needs, under $YOCTO_DIR/<release>/ (default /work/cache/yocto), clones of bitbake,
# openembedded-core and meta-openembedded at matching branches (scarthgap: bitbake 2.8;
# master: master), e.g.
#   git clone -b 2.8 https://git.openembedded.org/bitbake $YOCTO_DIR/scarthgap/bitbake
#   git clone -b scarthgap https://git.openembedded.org/openembedded-core $YOCTO_DIR/scarthgap/openembedded-core
#   git clone -b scarthgap https://git.openembedded.org/meta-openembedded $YOCTO_DIR/scarthgap/meta-openembedded
# and the release tarball from `npm run package` in dist/packages (SRC_URI is a file:// of it).
# bitbake refuses to run as root: as root, give --user (an existing unprivileged user; it
# needs read access to this checkout and write access to $YOCTO_DIR). Host: Debian's Yocto
# build dependencies (gawk, chrpath, diffstat, cpio, lz4, zstd, python3 ...) and the
# en_US.UTF-8 locale.
set -euo pipefail

LAYER=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$LAYER/../.." && pwd)
RELEASE=scarthgap
RUN_AS=
YOCTO_DIR=${YOCTO_DIR:-/work/cache/yocto}
while [ $# -gt 0 ]; do
  case "$1" in
    --release) RELEASE=$2; shift 2 ;;
    --user) RUN_AS=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" = 0 ]; then
  [ -n "$RUN_AS" ] || { echo "check.sh: bitbake does not run as root; give --user NAME" >&2; exit 2; }
  exec runuser -u "$RUN_AS" -- env YOCTO_DIR="$YOCTO_DIR" bash "$0" --release "$RELEASE"
fi

SRC="$YOCTO_DIR/$RELEASE"
for d in bitbake openembedded-core meta-openembedded; do
  [ -d "$SRC/$d" ] || { echo "check.sh: $SRC/$d is missing (see --help)" >&2; exit 1; }
done
VERSION=$(sed -n 's/^ *"version": *"\(.*\)".*/\1/p' "$ROOT/package.json" | head -1)
[ -f "$LAYER/recipes-thingsjs/thingsjs-agent/thingsjs-agent_$VERSION.bb" ] \
  || { echo "check.sh: no recipe for version $VERSION (rename thingsjs-agent_*.bb)" >&2; exit 1; }
[ -f "$ROOT/dist/packages/thingsjs-$VERSION-dist.tar.gz" ] \
  || { echo "check.sh: dist/packages/thingsjs-$VERSION-dist.tar.gz is missing: run npm run package" >&2; exit 1; }

BUILD="$YOCTO_DIR/build-$RELEASE"
mkdir -p "$BUILD/conf"
cat > "$BUILD/conf/bblayers.conf" <<EOF
BBPATH = "\${TOPDIR}"
BBFILES ?= ""
BBLAYERS = " \\
  $SRC/openembedded-core/meta \\
  $SRC/meta-openembedded/meta-oe \\
  $LAYER \\
"
EOF
cat > "$BUILD/conf/local.conf" <<EOF
MACHINE = "qemuarm"
DISTRO = "nodistro"
INIT_MANAGER = "systemd"
BB_NO_NETWORK = "1"
CONF_VERSION = "2"
DL_DIR = "$YOCTO_DIR/downloads"
SSTATE_DIR = "$YOCTO_DIR/sstate-$RELEASE"
EOF

export LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8
export PATH="$SRC/bitbake/bin:$PATH"
export BBPATH="$BUILD"
cd "$BUILD"

step() { printf '== %s\n' "$*"; }
step "layers: openembedded-core, meta-oe ($RELEASE, $(git -C "$SRC/openembedded-core" log -1 --format=%h), $(git -C "$SRC/meta-openembedded" log -1 --format=%h)), bitbake $(bitbake --version | sed 's/.* //'), $LAYER"

step "bitbake -p (parse every recipe)"
bitbake -p 2>&1 | tee "$BUILD/parse.log" | grep -E '^(ERROR|WARNING)|Parsing of' || true
if grep -q -E '^(ERROR|WARNING):' "$BUILD/parse.log"; then
  echo "check.sh: parsing reported errors or warnings" >&2
  exit 1
fi

step "bitbake -e thingsjs-agent"
bitbake -e thingsjs-agent > "$BUILD/env.txt"
grep -E '^(PN|PV|PACKAGES|LICENSE|SRC_URI|S|RDEPENDS:thingsjs-agent|RDEPENDS:thingsctl|FILES:thingsctl|SYSTEMD_SERVICE:thingsjs-agent|SYSTEMD_AUTO_ENABLE:thingsjs-agent|USERADD_PARAM:thingsjs-agent|CONFFILES:thingsjs-agent|PACKAGE_ARCH|INHIBIT_DEFAULT_DEPS)=' "$BUILD/env.txt" | sed 's/^/    /'
grep -q '^PACKAGE_ARCH="all"' "$BUILD/env.txt" || { echo "check.sh: the recipe is not allarch" >&2; exit 1; }
grep -q '^RDEPENDS:thingsjs-agent=".*nodejs' "$BUILD/env.txt" || { echo "check.sh: RDEPENDS lacks nodejs" >&2; exit 1; }
grep -q 'systemd' <(grep '^DISTRO_FEATURES=' "$BUILD/env.txt") || { echo "check.sh: DISTRO_FEATURES lacks systemd" >&2; exit 1; }

step "do_unpack + do_install, emulated"
# A real task run needs pseudo-native and shadow-native built from their sources (network,
# hours). The recipe's own install code, as bitbake expanded it, runs here instead, on the
# unpacked tarball; only the owner/group of install -o/-g are dropped (no thingsjs group
# on this host).
S_DIR=$(sed -n 's/^S="\(.*\)"$/\1/p' "$BUILD/env.txt")
D_DIR=$(sed -n 's/^D="\(.*\)"$/\1/p' "$BUILD/env.txt")
rm -rf "$S_DIR" "$D_DIR"
mkdir -p "$(dirname "$S_DIR")" "$D_DIR"
tar -C "$(dirname "$S_DIR")" -xzf "$ROOT/dist/packages/thingsjs-$VERSION-dist.tar.gz"
{
  echo 'set -e'
  echo 'install() { local a=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) a+=("$1"); shift ;; esac; done; command install "${a[@]}"; }'
  sed -n '/^do_install() {/,/^}/p' "$BUILD/env.txt"
  echo do_install
} > "$BUILD/do_install.sh"
bash "$BUILD/do_install.sh"
(cd "$D_DIR" && find . -type f -printf '    %m %p\n' | sort -k2)
for f in usr/sbin/thingsjs-agent usr/bin/thingsctl usr/share/thingsjs/thingsjs-agent.js usr/share/thingsjs/child.js \
         usr/share/thingsjs/thingsctl.js etc/thingsjs/agent.conf usr/share/man/man8/thingsjs-agent.8; do
  [ -f "$D_DIR/$f" ] || { echo "check.sh: do_install did not install /$f" >&2; exit 1; }
done
unit=$(find "$D_DIR" -name thingsjs.service)
SBINDIR=$(sed -n 's/^\(export \)\{0,1\}sbindir="\(.*\)"$/\2/p' "$BUILD/env.txt")
grep -q "^ExecStart=$SBINDIR/thingsjs-agent " "$unit" \
  || { echo "check.sh: ExecStart in $unit does not name the installed agent" >&2; exit 1; }
rm -rf "$(dirname "$S_DIR")"

step "bitbake -n thingsjs-agent (dry run)"
bitbake -n thingsjs-agent 2>&1 | tee "$BUILD/dry-run.log" | grep -E '^(ERROR|WARNING|NOTE: Tasks Summary|NOTE: Executing)|thingsjs-agent' | tail -15
grep -q 'NOTE: Tasks Summary: .* all succeeded' "$BUILD/dry-run.log" || { echo "check.sh: the dry run did not succeed" >&2; exit 1; }
step "layer check passed ($RELEASE)"
