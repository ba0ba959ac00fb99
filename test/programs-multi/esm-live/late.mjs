import { value } from './counter.mjs';
let uses = 0;
export default (x) => `late#${++uses}:${x}@${value}`;
export const describe = () => `uses=${uses}`;
