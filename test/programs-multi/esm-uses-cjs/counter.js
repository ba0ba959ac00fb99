export let total = 0;
export const history = [];
export function add(n) {
  total += n;
  history.push(total);
}
export function reset() {
  history.push('reset');
  total = 0;
}
