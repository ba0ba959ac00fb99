#!/usr/bin/env python3
# systemd-notify for machines without systemd: sends its VAR=VALUE arguments, one per line,
# as one datagram to $NOTIFY_SOCKET, as the real one does (without its BARRIER=1 step).
import os
import socket
import sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.sendto("\n".join(a for a in sys.argv[1:] if "=" in a).encode(), os.environ["NOTIFY_SOCKET"])
