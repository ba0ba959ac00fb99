# A stand-in for systemd's notification socket: binds a unix datagram socket and prints every
# datagram it receives as one JSON line ({"data": "READY=1\nSTATUS=..."}). Node's dgram has
# no unix datagram sockets, hence Python.
import json
import socket
import sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
print(json.dumps({"listening": path}), flush=True)
while True:
    data = sock.recv(65536)
    print(json.dumps({"data": data.decode("utf-8", "replace")}), flush=True)
