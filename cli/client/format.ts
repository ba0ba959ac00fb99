/** How thingsctl prints records and tables. */
import { inspect } from 'node:util';
import type { AgentStatus, ProcessRecord, ProcessStats } from '../../agent/protocol/messages';

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

/** 1536 → "1.5K", 52428800 → "50.0M" (powers of 1024, as memory_limit is written). */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'K', 'M', 'G'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}B` : `${v.toFixed(1)}${units[u]}`;
}

const cpu = (s: ProcessStats | undefined): string => (s ? `${s.cpu.toFixed(1)}%` : '-');
const mem = (s: ProcessStats | undefined): string => formatBytes(s?.rss);

/** What a person wants to know about a process beyond its status. */
function note(p: ProcessRecord): string {
  if (p.status === 'Failed' || p.status === 'Restarting') return `${p.errorCode ? `${p.errorCode}: ` : ''}${p.error ?? ''}`.slice(0, 80);
  if (p.status === 'Exited' && p.exitCode !== undefined && p.exitCode !== null) return `exit code ${p.exitCode}`;
  return '';
}

function status(p: ProcessRecord): string {
  return p.status + (p.migratedTo ? ` → ${p.migratedTo}` : '');
}

export function formatAgents(agents: AgentStatus[]): string {
  if (agents.length === 0) return 'no agents online';
  const agentRows = agents.map((a) => [a.id, a.status, a.pid !== undefined ? String(a.pid) : '-', a.node ?? '-', a.version ?? '-', String((a.processes ?? []).length), cpu(a.stats), mem(a.stats)]);
  const out = [formatTable(['AGENT', 'STATUS', 'PID', 'NODE', 'VERSION', 'PROCESSES', 'CPU', 'MEM'], agentRows)];
  const procRows = agents.flatMap((a) =>
    (a.processes ?? []).map((p) => [a.id, p.id, status(p), String(p.pid), cpu(p.stats), mem(p.stats), p.memoryLimit !== undefined ? formatBytes(p.memoryLimit) : '-', String(p.restarts ?? 0), p.name, note(p)]),
  );
  if (procRows.length > 0) out.push('', formatTable(['AGENT', 'ID', 'STATUS', 'PID', 'CPU', 'MEM', 'LIMIT', 'RESTARTS', 'PROGRAM', 'NOTE'], procRows));
  return out.join('\n');
}

/** `thingsctl top`: agents and their live programs, busiest first. */
export function formatTop(agents: AgentStatus[], now = new Date()): string {
  const online = agents.filter((a) => a.status === 'online');
  const live = online.flatMap((a) => (a.processes ?? []).filter((p) => ['Running', 'Paused', 'Migrating', 'Restarting'].includes(p.status)));
  const total = (pick: (s: ProcessStats) => number): number => live.reduce((sum, p) => sum + (p.stats ? pick(p.stats) : 0), 0);
  const head = `thingsctl top — ${now.toISOString().replace('T', ' ').slice(0, 19)} — ${online.length} agent${online.length === 1 ? '' : 's'}, ${live.length} program${live.length === 1 ? '' : 's'}, ${total((s) => s.cpu).toFixed(1)}% CPU, ${formatBytes(total((s) => s.rss))} in programs`;
  const agentRows = agents.map((a) => [a.id, a.status, cpu(a.stats), mem(a.stats), String((a.processes ?? []).filter((p) => live.includes(p)).length), a.stats ? formatUptime(a.stats.uptime) : '-']);
  const out = [head, '', formatTable(['AGENT', 'STATUS', 'CPU', 'MEM', 'PROGRAMS', 'UPTIME'], agentRows)];
  const rows = [...live]
    .sort((x, y) => (y.stats?.cpu ?? -1) - (x.stats?.cpu ?? -1) || (y.stats?.rss ?? 0) - (x.stats?.rss ?? 0))
    .map((p) => [p.id, p.agent, p.status, String(p.pid), cpu(p.stats), mem(p.stats), p.memoryLimit !== undefined ? formatBytes(p.memoryLimit) : '-', String(p.restarts ?? 0), p.name]);
  out.push('', rows.length ? formatTable(['ID', 'AGENT', 'STATUS', 'PID', 'CPU', 'MEM', 'LIMIT', 'RESTARTS', 'PROGRAM'], rows) : 'no programs running');
  return out.join('\n');
}

function formatUptime(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
