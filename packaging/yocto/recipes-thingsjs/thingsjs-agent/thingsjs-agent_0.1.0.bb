SUMMARY = "ThingsJS device agent: runs and live-migrates JavaScript programs"
DESCRIPTION = "thingsjs-agent runs JavaScript programs on a device, under systemd, and \
live-migrates a running program with all its state to another device over MQTT. \
The thingsctl package is the admin command line."
SECTION = "console/network"
# The bundles contain ThingsJS (MIT) and the npm packages listed in the copyright file.
LICENSE = "MIT & ISC & BSD-3-Clause"
LIC_FILES_CHKSUM = "file://debian/copyright;md5=a77a1fa08e2e340b10bf320089f7e6de"

# The release tarball that `npm run package` (scripts/package.sh) writes to dist/packages:
# the esbuild bundles (no native code: one build for every machine), the systemd unit, the
# example configuration and the man pages. Used from this repository, the layer finds it
# there; elsewhere, put the tarball beside this recipe (or in a FILESEXTRAPATHS directory),
# or point SRC_URI at a download with its SRC_URI[sha256sum].
SRC_URI = "file://thingsjs-${PV}-dist.tar.gz"
FILESEXTRAPATHS:prepend := "${THISDIR}/../../../../dist/packages:"

# Sources unpack in UNPACKDIR since styhead, in WORKDIR before (scarthgap).
S = "${@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}/thingsjs-${PV}"

inherit allarch systemd useradd

# JavaScript only: nothing to configure or compile, no compiler needed.
INHIBIT_DEFAULT_DEPS = "1"
do_configure[noexec] = "1"
do_compile[noexec] = "1"

PACKAGES =+ "thingsctl"

USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --user-group --home-dir /var/lib/thingsjs --no-create-home \
                       --shell ${base_sbindir}/nologin --comment 'ThingsJS agent' thingsjs"

SYSTEMD_PACKAGES = "${PN}"
SYSTEMD_SERVICE:${PN} = "thingsjs.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

do_install() {
    install -d ${D}${datadir}/thingsjs
    install -m 0644 ${S}/dist/thingsjs-agent.js ${S}/dist/child.js ${S}/dist/thingsctl.js ${D}${datadir}/thingsjs/

    # The launchers and the unit name /usr/share/thingsjs and /usr/sbin: follow this distro's paths.
    install -d ${D}${sbindir} ${D}${bindir}
    install -m 0755 ${S}/packaging/launchers/thingsjs-agent ${D}${sbindir}/thingsjs-agent
    install -m 0755 ${S}/packaging/launchers/thingsctl ${D}${bindir}/thingsctl
    sed -i -e 's,/usr/share/thingsjs/,${datadir}/thingsjs/,' -e 's,^#!/usr/bin/node$,#!${bindir}/node,' \
        ${D}${sbindir}/thingsjs-agent ${D}${bindir}/thingsctl

    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${S}/systemd/thingsjs.service ${D}${systemd_system_unitdir}/thingsjs.service
    sed -i -e 's,/usr/sbin/thingsjs-agent,${sbindir}/thingsjs-agent,' -e 's,/etc/thingsjs/,${sysconfdir}/thingsjs/,' \
        ${D}${systemd_system_unitdir}/thingsjs.service

    # May hold broker passwords: root and the thingsjs group only (the user exists in the
    # sysroot by now: useradd.bbclass).
    install -d -m 0755 ${D}${sysconfdir}/thingsjs
    install -d -m 0750 -o root -g thingsjs ${D}${sysconfdir}/thingsjs/conf.d
    install -m 0640 -o root -g thingsjs ${S}/packaging/agent.conf ${D}${sysconfdir}/thingsjs/agent.conf
    # /var/lib/thingsjs is made by systemd (StateDirectory=), also on a volatile /var.

    install -d ${D}${mandir}/man1 ${D}${mandir}/man5 ${D}${mandir}/man8
    install -m 0644 ${S}/docs/man/thingsctl.1 ${D}${mandir}/man1/
    install -m 0644 ${S}/docs/man/agent.conf.5 ${D}${mandir}/man5/
    install -m 0644 ${S}/docs/man/thingsjs-agent.8 ${D}${mandir}/man8/
    install -d ${D}${docdir}/${PN}/examples
    install -m 0644 ${S}/packaging/systemd/hardware-gpio-i2c.conf ${D}${docdir}/${PN}/examples/
}

FILES:thingsctl = "${bindir}/thingsctl ${datadir}/thingsjs/thingsctl.js ${mandir}/man1/thingsctl.1*"
FILES:${PN} += "${datadir}/thingsjs"
CONFFILES:${PN} = "${sysconfdir}/thingsjs/agent.conf"

# nodejs is meta-oe's (scarthgap: 20.x; the bundles need 18.17 or later).
RDEPENDS:${PN} = "nodejs"
RDEPENDS:thingsctl = "nodejs"
RSUGGESTS:${PN} = "thingsctl"
