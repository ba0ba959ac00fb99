import fs from 'node:fs';
import type { Command } from 'commander';
import { instrument } from '../../agent/compiler';

/** `thingsctl instrument FILE [-o OUT]`: prints or writes the instrumented program. */
export function registerInstrument(program: Command): void {
  program
    .command('instrument')
    .description('print (or write with -o) the instrumented form of a program')
    .argument('<file>', 'JavaScript program')
    .option('-o, --out <file>', 'write the result to this file instead of stdout')
    .action((file: string, opts: { out?: string }) => {
      const source = fs.readFileSync(file, 'utf8');
      const { code } = instrument(source, { filename: file });
      if (opts.out) fs.writeFileSync(opts.out, code);
      else process.stdout.write(code.endsWith('\n') ? code : code + '\n');
    });
}
