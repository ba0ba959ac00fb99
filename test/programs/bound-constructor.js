// An object whose prototype names a bound function as its `constructor` (a bound function's
// source text reads as native code, like a host class's constructor): program state, not a
// native handle.
'use strict';
function Point(x, y) {
  this.x = x;
  this.y = y;
}
const BoundPoint = Point.bind(null, 0);
const proto = { constructor: BoundPoint, norm() { return Math.abs(this.x) + Math.abs(this.y); } };
const p = Object.create(proto);
p.x = 3;
p.y = -4;
const made = new BoundPoint(7);

let n = 0;
function tick() {
  n++;
  p.x += n;
  console.log(`tick ${n}: norm=${p.norm()} ctorIsBound=${Object.getPrototypeOf(p).constructor === BoundPoint} made=${made.x},${made.y} instance=${made instanceof Point}`);
  if (n < 5) setTimeout(tick, 20);
  else console.log('ok');
}
setTimeout(tick, 20);
