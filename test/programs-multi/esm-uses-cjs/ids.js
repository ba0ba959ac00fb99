import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const legacy = require('./legacy.cjs');

export let prefix = 'id';
let next = 1;
export default function () {
  if (next === 6) prefix = 'ID';
  return `${prefix}-${next++}-${legacy.calls()}`;
}
