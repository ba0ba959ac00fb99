#!/usr/bin/env bash
# Proves the Debian packages on real installs.
#
#   scripts/install-test.sh --quick              build the .debs, lintian, systemd-analyze
#                                                security and verify (scripts/package.sh);
#                                                no root needed; a few minutes
#   sudo scripts/install-test.sh [--full]        --quick, then for each architecture:
#        [--arch amd64|armhf] [--keep]            a minimal Debian bookworm (debootstrap, cached
#        [--refresh-cache] [--debs DIR]           as a tarball), `apt install ./*.deb` in it
#                                                (Debian's nodejs comes as the dependency), the
#                                                scenario of test/packaging/install-scenario.js,
#                                                `apt purge`, and a search for files left behind
#
#   amd64: systemd boots in the root (systemd-nspawn -b); `systemctl start thingsjs`, the
#          agent registers with a Mosquitto on the host's loopback, a program is migrated in
#          from an agent run from this repository's dist/, `systemctl stop thingsjs` must
#          checkpoint it (PENDING while the agent does not), then apt purge under systemd.
#   armhf: the root is armhf (debootstrap --arch=armhf, qemu-user-static through binfmt_misc);
#          the packaged agent runs as user thingsjs without systemd; a program migrates
#          x86-64 → armhf → x86-64 and its output must equal the native output.
#
# Environment: THINGSJS_TEST_CACHE (default /var/cache/thingsjs-install-test: rootfs tarballs
# and apt's downloaded packages), DEBIAN_MIRROR (default: this machine's apt source).
# Exit status 0 when every step passed or is PENDING (the report says which).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=full
ARCHES="amd64 armhf"
KEEP=0
REFRESH=0
DEBS=
CACHE=${THINGSJS_TEST_CACHE:-/var/cache/thingsjs-install-test}
SUITE=bookworm

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick; shift ;;
    --full) MODE=full; shift ;;
    --arch) ARCHES=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --refresh-cache) REFRESH=1; shift ;;
    --debs) DEBS=$(realpath "$2"); shift 2 ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

T_START=$(date +%s)
say() { printf '== [%4ss] %s\n' "$(( $(date +%s) - T_START ))" "$*"; }
pass() { printf 'PASS    %s: %s\n' "$1" "$2"; }
fail() { printf 'FAIL    %s: %s\n' "$1" "$2"; FAILED=1; }
FAILED=0

# --- the packages --------------------------------------------------------------------------
if [ -z "$DEBS" ]; then
  say "scripts/package.sh: build, lintian, systemd-analyze"
  DEBS="$ROOT/dist/packages"
  bash "$ROOT/scripts/package.sh" --out "$DEBS"
fi
VERSION=$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")
AGENT_DEB="$DEBS/thingsjs-agent_${VERSION}_all.deb"
CTL_DEB="$DEBS/thingsctl_${VERSION}_all.deb"
[ -f "$AGENT_DEB" ] && [ -f "$CTL_DEB" ] || { echo "install-test.sh: no $AGENT_DEB / $CTL_DEB" >&2; exit 1; }
if [ "$MODE" = quick ]; then
  say "quick mode done"
  exit 0
fi

# --- the host side -------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || { echo "install-test.sh: the full mode needs root (debootstrap, systemd-nspawn)" >&2; exit 1; }
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
case " $ARCHES " in *" armhf "*)
  [ -e /usr/libexec/qemu-binfmt/arm-binfmt-P ] || [ -x /usr/bin/qemu-arm-static ] || need+=(qemu-user-static)
  command -v update-binfmts >/dev/null || need+=(binfmt-support) ;;
esac
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
# The host agent of the scenarios runs from this checkout.
say "npm run build (the host agent runs from dist/)"
(cd "$ROOT" && npm run --silent build)

if [ -z "${DEBIAN_MIRROR:-}" ]; then
  DEBIAN_MIRROR=$(grep -hs -E '^(URIs:|deb) ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -o -E 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
  DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fi
SECURITY_MIRROR=${DEBIAN_MIRROR%/debian*}/debian-security

WORK=$(mktemp -d /var/tmp/thingsjs-install-test.XXXXXX)
cleanup() {
  if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$CACHE"

in_root() { # DIR COMMAND...: run in the root without booting it
  local dir=$1; shift
  systemd-nspawn --quiet --register=no --keep-unit --pipe -D "$dir" \
    --bind="$CACHE/apt-$(basename "$dir"):/var/cache/apt/archives" \
    --setenv=DEBIAN_FRONTEND=noninteractive "$@"
}

# A minimal bookworm with systemd, as a tarball in the cache (debootstrap runs once).
rootfs_tarball() { # ARCH
  local arch=$1 tarball="$CACHE/$SUITE-$1-minbase.tar.gz"
  if [ "$REFRESH" = 1 ] || [ ! -s "$tarball" ]; then
    local dir="$WORK/debootstrap-$arch"
    say "debootstrap --variant=minbase --arch=$arch $SUITE ($DEBIAN_MIRROR)" >&2
    debootstrap --variant=minbase --arch="$arch" --include=systemd,systemd-sysv "$SUITE" "$dir" "$DEBIAN_MIRROR" > "$WORK/debootstrap-$arch.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap-$arch.log"; exit 1; }
    cat > "$dir/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $SUITE main
deb $DEBIAN_MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar --numeric-owner -C "$dir" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$dir"
  fi
  printf '%s\n' "$tarball"
}

enable_binfmt_arm() {
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-arm >/dev/null 2>&1 || true
  grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-arm 2>/dev/null \
    || { echo "install-test.sh: qemu-arm is not registered with binfmt_misc (flag F needed)" >&2; exit 1; }
}

# Files of the root that no package owns, without the places that change by themselves.
unowned_files() { # DIR
  local dir=$1
  (cd "$dir" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
      -o -path ./var/tmp -o -path ./var/cache -o -path ./var/log -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
      -o -path ./var/lib/systemd/catalog -o -path ./var/lib/systemd/random-seed -o -path ./var/lib/systemd/timers \
      -o -path ./var/lib/systemd/coredump -o -path ./etc/ld.so.cache -o -path ./etc/machine-id \) -prune -o -print \
    | sed 's|^\.||; s|^/bin/|/usr/bin/|; s|^/sbin/|/usr/sbin/|; s|^/lib/|/usr/lib/|; s|^/lib64/|/usr/lib64/|' | sort -u) > "$WORK/all"
  cat "$dir"/var/lib/dpkg/info/*.list \
    | sed 's|^/bin/|/usr/bin/|; s|^/sbin/|/usr/sbin/|; s|^/lib/|/usr/lib/|; s|^/lib64/|/usr/lib64/|' | sort -u > "$WORK/owned"
  comm -23 "$WORK/all" "$WORK/owned"
}

run_arch() { # ARCH
  local arch=$1 t0 dir="$WORK/$1" scenario
  t0=$(date +%s)
  [ "$arch" = amd64 ] && scenario=boot || scenario=process
  [ "$arch" = armhf ] && enable_binfmt_arm
  local tarball
  tarball=$(rootfs_tarball "$arch")
  say "$arch: root file system from $tarball"
  mkdir -p "$dir" "$CACHE/apt-$arch"
  tar -C "$dir" -xzf "$tarball"
  if ! in_root "$dir" apt-get update -q > "$WORK/apt-update-$arch.log" 2>&1 \
     && ! { sleep 10; in_root "$dir" apt-get update -q > "$WORK/apt-update-$arch.log" 2>&1; }; then
    # A mirror caught mid-sync serves an index that does not match its Release file.
    grep -E '^(E|W):' "$WORK/apt-update-$arch.log" | head -3
    if grep -q -- '-security' "$WORK/apt-update-$arch.log"; then
      sed -i '/-security/s/^/# unusable during the test: /' "$dir/etc/apt/sources.list"
      in_root "$dir" apt-get update -q > "$WORK/apt-update-$arch.log" 2>&1 || { cat "$WORK/apt-update-$arch.log"; exit 1; }
      printf 'NOTE    %s: %s\n' "$arch" "the mirror's $SUITE-security index is broken: installing from $SUITE and $SUITE-updates only"
    else
      cat "$WORK/apt-update-$arch.log"; exit 1
    fi
  fi
  unowned_files "$dir" > "$WORK/unowned-before-$arch"

  say "$arch: apt install ./$(basename "$AGENT_DEB") ./$(basename "$CTL_DEB")"
  mkdir -p "$dir/var/tmp/debs"
  cp "$AGENT_DEB" "$CTL_DEB" "$dir/var/tmp/debs/"
  in_root "$dir" apt-get install -y -q "/var/tmp/debs/$(basename "$AGENT_DEB")" "/var/tmp/debs/$(basename "$CTL_DEB")" > "$WORK/apt-install-$arch.log" 2>&1 \
    || { tail -30 "$WORK/apt-install-$arch.log"; fail "$arch" "apt install"; return; }
  rm -rf "$dir/var/tmp/debs"
  local node_version perms
  node_version=$(sed -n 's/^Setting up nodejs (\(.*\)) .*/\1/p' "$WORK/apt-install-$arch.log")
  pass "$arch" "apt install: thingsjs-agent, thingsctl and Debian's nodejs ${node_version:-?} as the dependency"
  perms=$(in_root "$dir" stat -c '%n %a %U:%G' /etc/thingsjs/agent.conf /etc/thingsjs/conf.d /var/lib/thingsjs | tr '\n' ';')
  if [ "$perms" = "/etc/thingsjs/agent.conf 640 root:thingsjs;/etc/thingsjs/conf.d 750 root:thingsjs;/var/lib/thingsjs 750 thingsjs:thingsjs;" ] \
    && in_root "$dir" getent passwd thingsjs | grep -q ':/var/lib/thingsjs:/usr/sbin/nologin$' \
    && grep -qx /etc/thingsjs/agent.conf "$dir/var/lib/dpkg/info/thingsjs-agent.conffiles"; then
    pass "$arch" "system user thingsjs (sysusers); conffile agent.conf 0640 root:thingsjs; conf.d 0750; state dir 0750 thingsjs"
  else
    fail "$arch" "users and permissions after install: $perms"
  fi

  say "$arch: scenario ($scenario)"
  node "$ROOT/test/packaging/install-scenario.js" "$scenario" "$dir" "$WORK/scenario-$arch" || FAILED=1

  say "$arch: files left behind"
  if [ -e "$dir/var/lib/dpkg/info/thingsjs-agent.list" ] || [ -e "$dir/var/lib/dpkg/info/thingsctl.list" ] \
     || in_root "$dir" dpkg -l thingsjs-agent thingsctl 2>/dev/null | grep -q '^[a-z][a-z] '; then
    fail "$arch" "the packages are not purged: $(in_root "$dir" dpkg -l thingsjs-agent thingsctl 2>/dev/null | tail -2 | tr '\n' ' ')"
  fi
  unowned_files "$dir" > "$WORK/unowned-after-$arch"
  local stray
  # New files that no package owns, except those the dependencies' maintainer scripts make
  # (nodejs's "js" alternative, ca-certificates' generated certificate links): they stay
  # with nodejs, which apt autoremove would take away.
  stray=$(comm -13 "$WORK/unowned-before-$arch" "$WORK/unowned-after-$arch" \
    | grep -v -E '^/etc/alternatives/js(\.1\.gz)?$|^/usr/bin/js$|^/usr/share/man/man1/js\.1\.gz$|^/etc/ssl/certs/|^/etc/ca-certificates\.conf$|^/usr/local/share/ca-certificates$' || true)
  if [ -z "$stray" ]; then
    pass "$arch" "after apt purge no file is left that no package owns (the user thingsjs stays in /etc/passwd, as Debian does)"
  else
    fail "$arch" "files left after purge:"; printf '        %s\n' $stray
  fi
  say "$arch: done in $(( $(date +%s) - t0 )) s"
}

for arch in $ARCHES; do
  run_arch "$arch"
  rm -rf "${WORK:?}/$arch"
done

say "full mode done: $([ "$FAILED" = 0 ] && echo 'no failures' || echo FAILURES)"
exit "$FAILED"
