/** Action name → handler. The only place a new action is wired in. */
import type { ActionName } from '../../protocol/messages';
import type { Handler } from './context';
import { kill, list, logs, pause, restore, resume, run, snapshot } from './process-control';
import { abort, commit, migrate, migrationStatus, prepare, prepareBegin, prepareChunk, warm } from './migrate';

export const handlers: { [A in ActionName]: Handler<A> } = {
  run,
  pause,
  resume,
  kill,
  snapshot,
  restore,
  migrate,
  list,
  logs,
  warm,
  prepare,
  'prepare-begin': prepareBegin,
  'prepare-chunk': prepareChunk,
  commit,
  abort,
  'migration-status': migrationStatus,
};

export type { HandlerContext, RequestInfo } from './context';
