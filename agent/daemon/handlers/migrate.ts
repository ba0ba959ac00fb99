/**
 * migrate, on the SOURCE agent.
 *
 *   1. the target must be online (its retained status), else fail at once, program untouched;
 *   2. capture: the original is left paused (status Migrating) and kept;
 *   3. the snapshot is written to the state directory (it survives a crash of this agent);
 *   4. `restore` request to the target, same process id (with the program's files, for a
 *      directory program: the target writes them at its own path before restoring; with its
 *      restart policy, memory limit, output count and the tail of its log);
 *   5. success → kill the original, record Migrated, reply with the target's record;
 *      error or timeout → resume the original, reply with the error.
 *
 * Known gap (the prepare/commit handoff of a later issue): if the target restores after our
 * timeout, the program runs twice. The intended fix keeps this shape: step 4 becomes
 * `restore {paused: true}` ("prepared"), then a `commit` message resumes it on the target
 * while the source discards its original.
 */
import { ThingsError } from '../../shared/errors';
import type { Handler } from './context';

export const migrate: Handler<'migrate'> = async ({ id, target, timeoutMs }, ctx) => {
  const { supervisor, presence, requester, stateDir, log, agentId } = ctx;
  if (target === agentId) throw new ThingsError('E_BAD_REQUEST', `process ${id} is already on ${agentId}`);
  const record = supervisor.get(id);
  presence.requireOnline(target);

  const { snapshot, wasPaused, files, log: logLines, record: captured } = await supervisor.beginMigration(id);
  const file = stateDir.snapshotFile(id);
  try {
    stateDir.writeDurably(file, snapshot);
  } catch (err) {
    log.warn(`process ${id}: cannot keep the snapshot in ${file}: ${(err as Error).message}`);
  }

  const wait = timeoutMs ?? ctx.migrateTimeoutMs;
  log.info(`process ${id}: migrating to ${target} (${snapshot.length} bytes${files ? `, ${Object.keys(files.files).length} files` : ''})`);
  try {
    // The program's settings, output count and log travel with it.
    const moved = await requester.request(
      target,
      'restore',
      { snapshot, id, name: record.name, paused: wasPaused, files, restart: captured.restart, restarts: captured.restarts, memoryLimit: captured.memoryLimit, outputSeq: captured.outputLines, log: logLines },
      wait,
    );
    await supervisor.commitMigration(id, target);
    log.info(`process ${id}: migrated to ${target}, pid ${moved.pid} there`);
    return moved;
  } catch (err) {
    await supervisor.abortMigration(id, wasPaused);
    const e = err as ThingsError;
    log.warn(`process ${id}: migration to ${target} failed (${e.code ?? 'E_INTERNAL'}: ${e.message}); the program goes on here`);
    throw err;
  } finally {
    stateDir.remove(file);
  }
};
