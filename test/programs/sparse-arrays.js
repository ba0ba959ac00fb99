// Sparse arrays: holes versus undefined, trailing holes via length, huge indices, arrays with extra named properties.
'use strict';

const holes = [1, , 3, , , 6]; // eslint-disable-line no-sparse-arrays
const explicit = [1, undefined, 3];
const far = [];
far[5000] = 'far';
far[2] = 'near';
const stretched = ['a', 'b'];
stretched.length = 6; // trailing holes
const decorated = [10, 20, 30];
decorated.label = 'named property on an array';
decorated['-1'] = 'not an index';
const grid = [[1, , 3], , [ , , ]]; // eslint-disable-line no-sparse-arrays

function shape(arr) {
  const present = [];
  for (let i = 0; i < arr.length; i++) present.push(i in arr ? 'x' : '_');
  return present.length > 40 ? `len=${arr.length} present=${Object.keys(arr).join(',')}` : `len=${arr.length} ${present.join('')}`;
}

let turn = 0;
function step() {
  turn++;
  if (turn === 2) holes[1] = 'filled'; // fill a hole after a possible cut
  if (turn === 3) delete explicit[0]; // punch a new hole
  if (turn === 4) far.length = 3; // truncate
  if (turn === 5) stretched.push('tail');
  console.log(`turn ${turn}: holes ${shape(holes)} explicit ${shape(explicit)} far ${shape(far)} stretched ${shape(stretched)} decorated ${shape(decorated)}/${decorated.label}`);
  console.log(holes, explicit, stretched, grid, decorated);
  if (turn < 6) setTimeout(step, 60);
  else finish();
}

function finish() {
  if (!(1 in explicit) || 0 in explicit) throw new Error('explicit undefined vs hole confused');
  if (holes.length !== 6 || 3 in holes || holes[1] !== 'filled') throw new Error('holes changed');
  if (far.length !== 3 || far[2] !== 'near') throw new Error('truncation lost');
  if (stretched.length !== 7 || 4 in stretched || stretched[6] !== 'tail') throw new Error('stretched array changed');
  if (decorated.length !== 3 || decorated['-1'] !== 'not an index') throw new Error('array properties lost');
  if (!Array.isArray(grid[2]) || grid[2].length !== 2 || 0 in grid[2] || 1 in grid) throw new Error('nested sparse array changed');
  console.log('ok');
}

setTimeout(step, 60);
