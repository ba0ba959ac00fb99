// Runs a program the way an agent does: in a program host (dist/child.js), forked with the
// agent's IPC settings and sent a `start` request (agent/host/ipc.ts). The program's output
// passes through; this process exits with the host's exit code. Figures a program reports
// about itself (time, CPU, peak RSS) are then the host's, not this driver's.
//
//   node bench/lib/host-run.mjs PROGRAM.js [args...]
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/host-run.mjs PROGRAM.js [args...]');
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const filename = path.resolve(file);
const host = fork(path.join(root, 'dist', 'child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
host.on('message', (m) => {
  if (m.type === 'event' && m.event === 'ready') host.send({ type: 'start', req: 1, program: { name: path.basename(filename), filename }, args });
  else if (m.type === 'event' && m.event === 'uncaught') console.error(m.stack ?? m.message);
  else if (m.type === 'reply' && !m.ok) {
    console.error(`host-run: ${m.error.code}: ${m.error.message}`);
    host.kill('SIGKILL');
  }
});
host.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
