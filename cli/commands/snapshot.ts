import type { Command } from 'commander';

/** `thingsctl snapshot show SNAP`: placeholder, filled in by the snapshot tooling work. */
export function registerSnapshot(_program: Command): void {}
