#!/usr/bin/env bash
# Builds the Debian packages thingsjs-agent and thingsctl (Architecture: all) and checks them.
#
#   scripts/package.sh [--out DIR] [--changelog] [--no-checks]      (also: npm run package)
#
# 1. The version is package.json's: debian/changelog must agree (--changelog adds the entry
#    when it does not), and so must the Yocto recipe's file name; debian/copyright must list
#    exactly the npm packages the bundles contain (packaging/debian-copyright.mjs), and the
#    recipe's LIC_FILES_CHKSUM must be its md5.
# 2. The files git knows (tracked, or new and not ignored) are copied to a scratch directory:
#    a clean checkout of the working tree, without node_modules or dist. There,
#    `dpkg-buildpackage -us -uc -b` runs debian/rules, which runs `npm ci` (the only step
#    that needs the npm registry; npm's cache makes reruns fast) and `npm run build`.
# 3. The .deb files go to DIR (default dist/packages), with the .buildinfo and .changes, and
#    thingsjs-VERSION-dist.tar.gz (the bundles, unit, config and man pages, for Yocto).
# 4. Checks, unless --no-checks: lintian (no error, no warning), systemd-analyze security
#    (exposure at most 2.0) and systemd-analyze verify on the unit as the package installs it.
#
# Needs: dpkg-dev, debhelper (13, and dh-sequence-installsysusers), nodejs, npm, git; for the
# checks lintian and systemd (systemd-analyze). No root.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/dist/packages"
CHANGELOG=0
CHECKS=1
MAX_EXPOSURE=2.0

while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$(realpath -m "$2"); shift 2 ;;
    --changelog) CHANGELOG=1; shift ;;
    --no-checks) CHECKS=0; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

say() { printf '== %s\n' "$*"; }
cd "$ROOT"

# --- 1. version and copyright ------------------------------------------------------------
VERSION=$(node -p 'require("./package.json").version')
DEB_VERSION=$(dpkg-parsechangelog -SVersion)
if [ "$VERSION" != "$DEB_VERSION" ]; then
  if [ "$CHANGELOG" = 1 ]; then
    maint=$(sed -n 's/^Maintainer: //p' debian/control)
    { printf 'thingsjs (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n\n' \
        "$VERSION" "$VERSION" "$maint" "$(date -R)"; cat debian/changelog; } > debian/changelog.new
    mv debian/changelog.new debian/changelog
    say "debian/changelog: added $VERSION (commit it)"
  else
    echo "package.sh: debian/changelog is at $DEB_VERSION, package.json at $VERSION; rerun with --changelog" >&2
    exit 1
  fi
fi
RECIPE=packaging/yocto/recipes-thingsjs/thingsjs-agent/thingsjs-agent_$VERSION.bb
if [ ! -f "$RECIPE" ]; then
  echo "package.sh: no Yocto recipe for $VERSION: git mv packaging/yocto/recipes-thingsjs/thingsjs-agent/thingsjs-agent_*.bb $RECIPE" >&2
  exit 1
fi
if ! grep -q "file://debian/copyright;md5=$(md5sum debian/copyright | cut -c1-32)\"" "$RECIPE"; then
  echo "package.sh: LIC_FILES_CHKSUM in $RECIPE is not the md5 of debian/copyright ($(md5sum debian/copyright | cut -c1-32))" >&2
  exit 1
fi
if [ -d node_modules ]; then
  node packaging/debian-copyright.mjs --check
else
  say "no node_modules here: debian/copyright is checked after the build"
fi

# --- 2. build in a clean copy ------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/thingsjs-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SRC="$WORK/thingsjs-$VERSION"
mkdir -p "$SRC"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do
      case "$f" in node_modules|node_modules/*|dist|dist/*) continue ;; esac  # a symlinked node_modules is not "ignored"
      if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
    done \
  | (cd "$ROOT" && cpio --quiet -0 -pdm "$SRC")
say "building thingsjs $VERSION in $SRC"
(cd "$SRC" && dpkg-buildpackage -us -uc -b)
# Without node_modules here, the copyright check uses the one debian/rules installed.
[ -d node_modules ] || (cd "$SRC" && node packaging/debian-copyright.mjs --check)

mkdir -p "$OUT"
rm -f "$OUT"/thingsjs-agent_*.deb "$OUT"/thingsctl_*.deb "$OUT"/thingsjs_*.buildinfo "$OUT"/thingsjs_*.changes "$OUT"/thingsjs-*-dist.tar.gz
mv "$WORK"/*.deb "$WORK"/*.buildinfo "$WORK"/*.changes "$OUT"/

# The same bundles, unit, configuration and man pages as a tarball, for builds that are not
# Debian's (the Yocto recipe in packaging/yocto unpacks it). Reproducible: same sources,
# same bytes.
DIST="$WORK/thingsjs-$VERSION-dist/thingsjs-$VERSION"
mkdir -p "$DIST"
(cd "$SRC" && cp --parents dist/thingsjs-agent.js dist/child.js dist/thingsctl.js systemd/thingsjs.service \
  packaging/agent.conf packaging/launchers/thingsjs-agent packaging/launchers/thingsctl \
  packaging/systemd/hardware-gpio-i2c.conf docs/man/thingsjs-agent.8 docs/man/agent.conf.5 docs/man/thingsctl.1 \
  debian/copyright "$DIST/")
tar --sort=name --mtime="@$(dpkg-parsechangelog -STimestamp)" --owner=0 --group=0 --numeric-owner \
  -C "$(dirname "$DIST")" -cf - "thingsjs-$VERSION" | gzip -9n > "$OUT/thingsjs-$VERSION-dist.tar.gz"
AGENT_DEB="$OUT/thingsjs-agent_${VERSION}_all.deb"
CTL_DEB="$OUT/thingsctl_${VERSION}_all.deb"
say "thingsjs-$VERSION-dist.tar.gz ($(du -k "$OUT/thingsjs-$VERSION-dist.tar.gz" | cut -f1) KB, sha256 $(sha256sum "$OUT/thingsjs-$VERSION-dist.tar.gz" | cut -c1-64))"
for deb in "$AGENT_DEB" "$CTL_DEB"; do
  say "$(basename "$deb") ($(du -k "$deb" | cut -f1) KB)"
  dpkg-deb --contents "$deb" | awk '{print "   ", $1, $2, $6, $7, $8}'
done

[ "$CHECKS" = 1 ] || exit 0

# --- 4. checks ---------------------------------------------------------------------------
say "lintian"
# Info and pedantic tags are shown (docs/packaging.md says why the remaining ones stay);
# errors and warnings fail the build.
lintian --info --display-info --pedantic --fail-on error,warning "$OUT"/thingsjs_"${VERSION}"_*.changes
say "lintian: no errors, no warnings"

say "systemd-analyze security --offline=true (at most $MAX_EXPOSURE)"
TREE="$WORK/root"
mkdir -p "$TREE"
dpkg-deb -x "$AGENT_DEB" "$TREE"
UNIT="$TREE/lib/systemd/system/thingsjs.service"
score=$(systemd-analyze security --offline=true --no-pager "$UNIT" 2>&1 | tee "$WORK/security.txt" \
  | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
grep -E '✗' "$WORK/security.txt" | sed 's/^/    /' || true
echo "    exposure: $score"
awk -v s="$score" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(s != "" && s + 0 <= max + 0) }' \
  || { echo "package.sh: exposure $score is above $MAX_EXPOSURE" >&2; exit 1; }

say "systemd-analyze verify"
# The unit as installed: ExecStart and the man pages of Documentation= come from the
# packages; the targets it refers to from this machine's systemd. Warnings fail it too.
dpkg-deb -x "$CTL_DEB" "$TREE"
for d in /lib/systemd/system /usr/lib/systemd/system; do
  [ -d "$d" ] && cp -an "$d/." "$TREE/lib/systemd/system/"
done
if ! verify=$(MANPATH="$TREE/usr/share/man" systemd-analyze verify --root="$TREE" /lib/systemd/system/thingsjs.service 2>&1) || [ -n "$verify" ]; then
  printf '%s\n' "$verify" | sed 's/^/    /'
  echo "package.sh: systemd-analyze verify is not clean" >&2
  exit 1
fi
say "verify: clean"
say "packages in $OUT"
