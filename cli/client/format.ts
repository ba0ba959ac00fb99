/** How thingsctl prints records and tables. */
import { inspect } from 'node:util';
import type { AgentStatus, ProcessRecord } from '../../agent/protocol/messages';

/** `{ agent: 'worker-A', id: 'HwJIiOTD', pid: 9398, status: 'Running' }`: the form users of
 *  the original ThingsJS know, so only these four fields, in this order. */
export function formatRecord(r: ProcessRecord): string {
  return inspect({ agent: r.agent, id: r.id, pid: r.pid, status: r.status }, { breakLength: Infinity });
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatAgents(agents: AgentStatus[]): string {
  if (agents.length === 0) return 'no agents online';
  const agentRows = agents.map((a) => [a.id, a.status, a.pid !== undefined ? String(a.pid) : '-', a.node ?? '-', a.version ?? '-', String((a.processes ?? []).length)]);
  const out = [formatTable(['AGENT', 'STATUS', 'PID', 'NODE', 'VERSION', 'PROCESSES'], agentRows)];
  const procRows = agents.flatMap((a) =>
    (a.processes ?? []).map((p) => [a.id, p.id, p.status + (p.migratedTo ? ` → ${p.migratedTo}` : ''), String(p.pid), p.name]),
  );
  if (procRows.length > 0) out.push('', formatTable(['AGENT', 'ID', 'STATUS', 'PID', 'PROGRAM'], procRows));
  return out.join('\n');
}
