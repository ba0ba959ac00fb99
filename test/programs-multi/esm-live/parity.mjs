// isEven and isOdd live in two modules that import each other.
import { isOdd } from './parity-odd.mjs';
export let evenChecks = 0;
export function isEven(n) {
  evenChecks++;
  return n === 0 ? true : isOdd(n - 1);
}
