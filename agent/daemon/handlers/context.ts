/** What a request handler may use. */
import type { Actions, ActionName } from '../../protocol/messages';
import type { Presence } from '../../protocol/presence';
import type { Requester } from '../../protocol/requester';
import type { Logger } from '../logger';
import type { Supervisor } from '../supervisor';
import type { MigrationSource } from '../migration-source';
import type { MigrationTarget } from '../migration-target';
import type { MigrationProgress } from '../../protocol/messages';

export interface HandlerContext {
  agentId: string;
  supervisor: Supervisor;
  presence: Presence;
  requester: Requester;
  /** The two sides of the migration handoff (docs/migration.md). */
  source: MigrationSource;
  target: MigrationTarget;
  log: Logger;
}

/** The request being answered: where its reply goes, and a way to report progress there
 *  before the reply. */
export interface RequestInfo {
  route: { replyTo: string; correlationId: string; correlationData?: Buffer };
  progress(p: MigrationProgress): void;
}

export type Handler<A extends ActionName> = (args: Actions[A]['args'], ctx: HandlerContext, info: RequestInfo) => Promise<Actions[A]['result']>;
