export * from './geometry.mjs';
export { TAU as PI2 } from './geometry.mjs';
export const square = (s) => ({ kind: 'square', s });
export const circle = (r) => ({ kind: 'circle', r });
