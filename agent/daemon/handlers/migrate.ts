/**
 * The migration handoff's actions (docs/migration.md): thin calls into its two sides.
 *
 *   migrate            client → source   capture, prepare the target, decide, commit
 *   migration-status   anyone → an agent what its journal says of a migration
 *   warm               source → target   a program host started ahead of the restore
 *   prepare(-begin, -chunk)  source → target   the program, restored paused there
 *   commit / abort     source → target   the decision
 */
import type { Handler } from './context';

export const migrate: Handler<'migrate'> = (args, { source }, info) => source.migrate(args, info);

export const migrationStatus: Handler<'migration-status'> = async ({ migrationId }, { source }) => source.status(migrationId);

export const warm: Handler<'warm'> = (args, { target }) => target.warm(args);

export const prepare: Handler<'prepare'> = (args, { target }) => target.prepare(args);

export const prepareBegin: Handler<'prepare-begin'> = async (args, { target }) => target.begin(args);

export const prepareChunk: Handler<'prepare-chunk'> = async (args, { target }) => target.chunk(args);

export const commit: Handler<'commit'> = ({ migrationId }, { target }) => target.commit(migrationId);

export const abort: Handler<'abort'> = ({ migrationId, reason }, { target }) => target.abort(migrationId, reason);
