/**
 * thingsctl broker: a zero-setup MQTT broker (aedes, in-process) for development and demos,
 * the successor of `things-js pubsub`. MQTT 3.1.1 only, no persistence, no authentication:
 * production uses Mosquitto.
 */
import net from 'node:net';
import type { Command } from 'commander';
import { ThingsError } from '../../agent/shared/errors';

export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('run a development MQTT broker (aedes) until interrupted')
    .option('-p, --port <port>', 'TCP port (0 picks a free one)', '1883')
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('-v, --verbose', 'log clients connecting and disconnecting')
    .action(async (options: { port: string; host: string; verbose?: boolean }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ThingsError('E_BAD_REQUEST', `--port ${options.port} is not a TCP port`);
      await serve(options.host, port, options.verbose === true);
    });
}

async function serve(host: string, port: number, verbose: boolean): Promise<void> {
  // Loaded here: the other commands never need a broker of their own.
  const { createBroker } = require('aedes') as typeof import('aedes');
  const broker = createBroker();
  const sockets = new Set<net.Socket>();
  // TCP_NODELAY, as `set_tcp_nodelay true` in Mosquitto: small replies go at once instead
  // of waiting for a delayed ACK.
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  if (verbose) {
    broker.on('client', (c) => process.stdout.write(`thingsctl broker: ${c.id} connected\n`));
    broker.on('clientDisconnect', (c) => process.stdout.write(`thingsctl broker: ${c.id} disconnected\n`));
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ThingsError('E_INTERNAL', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  process.stdout.write(`thingsctl broker: development broker listening on mqtt://${shown}:${actual} (MQTT 3.1.1; Ctrl-C stops it)\n`);

  await new Promise<void>((resolve) => {
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    const stop = (signal: string): void => {
      // A second signal gets Node's default: exit at once.
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.stdout.write(`thingsctl broker: ${signal}, stopping\n`);
      // Drop the clients: closing the server alone would wait for every one of them to leave.
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      broker.close();
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
