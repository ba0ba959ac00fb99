// Inheritance three levels deep: super() calls, super.method() and super property access, super in static methods and object literals.
'use strict';

class Shape {
  static count = 0;
  constructor(name) {
    this.name = name;
    this.moves = 0;
    Shape.count++;
  }
  area() {
    return 0;
  }
  move(dx) {
    this.moves += dx;
    return this;
  }
  describe() {
    return `${this.name}(area ${this.area().toFixed(2)}, moved ${this.moves})`;
  }
  static create(...args) {
    return new this(...args);
  }
  static kind() {
    return 'shape';
  }
}
Shape.prototype.units = 'cm';

class Rect extends Shape {
  constructor(w, h, name = 'rect') {
    super(name);
    this.w = w;
    this.h = h;
  }
  area() {
    return this.w * this.h;
  }
  move(dx) {
    super.move(dx * 2); // super call through the prototype chain
    return this;
  }
  describe() {
    return `[${super.describe()} ${super.units}]`;
  }
  static kind() {
    return `rect<${super.kind()}>`;
  }
}

class Square extends Rect {
  constructor(side) {
    super(side, side, 'square');
  }
  grow() {
    this.w++;
    this.h++;
    return super.area();
  }
  move(dx) {
    return super.move(dx + 1);
  }
  describe() {
    const arrow = () => super.describe(); // super inside an arrow
    return `sq${arrow()}`;
  }
  static kind() {
    return `square<${super.kind()}>`;
  }
}

const proto = {
  greet() {
    return `base hello from ${this.who}`;
  },
};
const obj = {
  __proto__: proto,
  who: 'obj',
  greet() {
    return `${super.greet()} (overridden)`;
  },
};

const shapes = [Shape.create('blob'), Rect.create(2, 3), Square.create(2), new Square(1)];
let turn = 0;

function step() {
  turn++;
  const s = shapes[turn % shapes.length];
  s.move(turn);
  if (s instanceof Square && turn % 2 === 0) s.grow();
  if (turn === 7) {
    // patch the base class after a cut: subclasses reach it through super
    Shape.prototype.describe = function () {
      return `${this.name}{${this.area()}}`;
    };
    proto.greet = function () {
      return `patched hello from ${this.who}`;
    };
  }
  console.log(`turn ${turn}: ${shapes.map((x) => x.describe()).join(' ')} | ${obj.greet()}`);
  if (turn < 14) setTimeout(step, 30);
  else finish();
}

function finish() {
  if (Square.kind() !== 'square<rect<shape>>') throw new Error('static super broken: ' + Square.kind());
  if (Shape.count !== 4 || !(shapes[2] instanceof Rect) || shapes[2].constructor !== Square) throw new Error('instances lost classes');
  if (Object.getPrototypeOf(Square.prototype) !== Rect.prototype || Object.getPrototypeOf(Square) !== Rect) throw new Error('chains broken');
  const moves = shapes.map((s) => s.moves).join(',');
  if (moves !== '24,56,72,48') throw new Error('moves ' + moves);
  console.log(`kinds ${Shape.kind()} ${Rect.kind()} ${Square.kind()} moves ${moves}`);
  console.log('ok');
}

setTimeout(step, 30);
