/** run, pause, resume, kill, snapshot, restore, list, logs: thin calls into the supervisor. */
import type { Handler } from './context';

export const run: Handler<'run'> = (args, { supervisor }) => supervisor.run(args);

export const pause: Handler<'pause'> = ({ id }, { supervisor }) => supervisor.pause(id);

export const resume: Handler<'resume'> = ({ id }, { supervisor }) => supervisor.resume(id);

export const kill: Handler<'kill'> = ({ id }, { supervisor }) => supervisor.kill(id);

export const snapshot: Handler<'snapshot'> = async ({ id }, { supervisor }) => ({ id, snapshot: await supervisor.snapshot(id) });

export const restore: Handler<'restore'> = ({ snapshot: text, ...opts }, { supervisor }) => supervisor.restore(text, opts);

export const list: Handler<'list'> = async (_args, { supervisor }) => supervisor.list();

export const logs: Handler<'logs'> = async ({ id, tail }, { supervisor, agentId }) => ({ id, agent: agentId, ...supervisor.logs(id, tail) });
