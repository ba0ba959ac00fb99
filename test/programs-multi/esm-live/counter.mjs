export let value = 0;
let calls = 0;
export const label = 'counter';
export function bump(by) {
  calls++;
  value += by;
}
export default function tally() {
  return calls;
}
