'use strict';
// A TCP relay between the agent and the broker that can cut the network without closing
// anything: blackhole() stops forwarding on open connections (no FIN, no RST: only the MQTT
// keepalive can notice) and refuses new ones; restore() listens again.
const net = require('node:net');

class TcpProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.pairs = new Set();
    this.server = undefined;
    this.port = undefined;
  }

  /** Listens (on a free port the first time, the same port afterwards). */
  start() {
    return new Promise((resolve, reject) => {
      const server = net.createServer((client) => {
        const upstream = net.connect(this.targetPort, '127.0.0.1');
        const pair = { client, upstream };
        this.pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
          this.pairs.delete(pair);
        };
        client.on('error', end);
        upstream.on('error', end);
        client.on('close', end);
        upstream.on('close', end);
      });
      server.on('error', reject);
      server.listen(this.port || 0, '127.0.0.1', () => {
        this.port = server.address().port;
        this.server = server;
        resolve(this.port);
      });
    });
  }

  /** Cuts the network: open connections go silent, new ones are refused. */
  blackhole() {
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    // close() stops listening at once; its callback would wait for the silent connections.
    if (this.server) this.server.close();
    this.server = undefined;
  }

  /** The network is back: the silent connections are gone (both ends gave up), new ones pass. */
  restore() {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    return this.start();
  }

  stop() {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    if (this.server) this.server.close();
    this.server = undefined;
  }
}

module.exports = { TcpProxy };
