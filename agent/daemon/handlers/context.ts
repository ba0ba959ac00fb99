/** What a request handler may use. */
import type { Actions, ActionName } from '../../protocol/messages';
import type { Presence } from '../../protocol/presence';
import type { Requester } from '../../protocol/requester';
import type { Logger } from '../logger';
import type { StateDir } from '../state-dir';
import type { Supervisor } from '../supervisor';

export interface HandlerContext {
  agentId: string;
  supervisor: Supervisor;
  presence: Presence;
  requester: Requester;
  stateDir: StateDir;
  migrateTimeoutMs: number;
  log: Logger;
}

export type Handler<A extends ActionName> = (args: Actions[A]['args'], ctx: HandlerContext) => Promise<Actions[A]['result']>;
