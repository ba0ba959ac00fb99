'use strict';
// The empty program: its peak RSS is the fixed cost of a process (natively: Node itself;
// under `thingsctl run`: Node plus thingsctl, the compiler and the runtime).
process.stdout.write(JSON.stringify({ bench: 'empty', maxRSS: process.resourceUsage().maxRSS }) + '\n');
