/**
 * The contract between the agent (parent) and a program host (child), over Node's IPC
 * channel (child_process.fork with stdio ['ignore','pipe','pipe','ipc'], serialization
 * 'advanced': structured clone, so a large snapshot string crosses without JSON escaping).
 *
 * The child's stdout/stderr are the program's own output and nothing else; the host never
 * writes its own diagnostics there (it sends them as events).
 *
 * Every request carries `req` (a number unique per child); the child answers each exactly
 * once with a Reply of the same `req`. Events are unsolicited.
 *
 * Lifecycle: fork → child sends {type:'event', event:'ready'} → parent sends exactly one
 * of `start` or `restore` → then any number of pause/resume/capture. When the program has
 * no more work the child exits with code 0 by itself. A paused program keeps its process
 * alive. The parent kills with SIGKILL (there is nothing to flush).
 */

export interface ProgramSource {
  /** Display name, for example "factorial.js". */
  name: string;
  /** Absolute or relative path the program is considered to live at (for require of relative
   *  modules and for __filename). The file need not exist when `source` is given. */
  filename: string;
  /** The original, uninstrumented JavaScript source; read from `filename` when absent. */
  source?: string;
}

export type Request =
  /** `root`: the program's directory (a directory program); else the main file's directory. */
  | { type: 'start'; req: number; program: ProgramSource; root?: string; args?: string[]; paused?: boolean }
  /** `snapshot` is the snapshot text (JSON), or `snapshotFile` names a spool file that holds
   *  it (./spool.ts: large snapshots). `hashChecked`: the agent has checked its hash (a
   *  checkpoint it read, a transfer's digest), so the host does not take it again. With
   *  paused: true the program is rebuilt but no callback runs until `resume` (the migration
   *  handoff's "prepared" state). `root`: where the program's files are on this machine, when
   *  they were sent along (a directory program); its modules are restored there instead of
   *  at their captured paths. */
  | { type: 'restore'; req: number; snapshot?: string; snapshotFile?: SpooledText; hashChecked?: boolean; paused?: boolean; root?: string }
  | { type: 'pause'; req: number }
  | { type: 'resume'; req: number }
  /** Captures at the next event-loop turn boundary. The program is left PAUSED afterwards
   *  (the source keeps a paused original until the handoff commits); send `resume` to go on.
   *  `spool`: a directory where a large capture is written (./spool.ts). */
  | { type: 'capture'; req: number; spool?: string };

export type ReplyResult =
  | { type: 'start' | 'restore' | 'pause' | 'resume'; status: 'Running' | 'Paused' }
  /** The snapshot's body as JSON text (`body`, or in the spool file `bodyFile`), not sealed:
   *  the agent takes its hash (snapshot/envelope.ts sealBodyText), so that a host never
   *  loads Node's crypto for it. */
  | { type: 'capture'; body?: string; bodyFile?: SpooledText; stats: CaptureStats };

import type { SpooledText } from './spool';

export interface CaptureStats {
  bytes: number;
  objects: number;
  timers: number;
  captureMs: number;
}

export type Reply =
  | { type: 'reply'; req: number; ok: true; result: ReplyResult }
  | { type: 'reply'; req: number; ok: false; error: { code: string; message: string } };

export type Event =
  | { type: 'event'; event: 'ready'; pid: number; node: string }
  /** The program threw and nothing caught it; the child exits with code 1 right after. */
  | { type: 'event'; event: 'uncaught'; message: string; stack?: string };

export type ChildMessage = Reply | Event;
