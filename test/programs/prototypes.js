// Constructor functions with prototype methods, inheritance via Object.create, prototype chains and instanceof after restore.
'use strict';

function Shape(name) {
  this.name = name;
  Shape.created++; // a property on the constructor itself
}
Shape.created = 0;
Shape.prototype.area = function () {
  return 0;
};
Shape.prototype.describe = function () {
  return `${this.name} area=${this.area().toFixed(2)}`;
};

function Circle(r) {
  Shape.call(this, 'circle');
  this.r = r;
}
Circle.prototype = Object.create(Shape.prototype);
Circle.prototype.constructor = Circle;
Circle.prototype.area = function () {
  return Math.PI * this.r * this.r;
};

function Square(side) {
  Shape.call(this, 'square');
  this.side = side;
}
Square.prototype = Object.create(Shape.prototype);
Square.prototype.constructor = Square;
Square.prototype.area = function () {
  return this.side * this.side;
};

const base = {
  greet() {
    return `hello from ${this.id} (${this.level})`;
  },
};
const middle = Object.create(base);
middle.level = 'middle';
const leaf = Object.create(middle);
leaf.id = 'leaf';
const dict = Object.create(null);
dict.key = 'value';

const shapes = [new Circle(1), new Square(2), new Circle(0.5), new Shape('blob')];

let turn = 0;
function step() {
  turn++;
  const s = shapes[turn % shapes.length];
  if (s instanceof Circle) s.r += 1;
  else if (s instanceof Square) s.side += 1;
  console.log(`turn ${turn}: ${s.describe()} circle=${s instanceof Circle} shape=${s instanceof Shape} ctor=${s.constructor.name} own-area=${Object.prototype.hasOwnProperty.call(s, 'area')}`);
  if (turn === 4) {
    // Extending a shared prototype after the cut must reach every existing instance.
    Shape.prototype.describe = function () {
      return `<${this.name}> ${this.area().toFixed(1)}`;
    };
    leaf.level = 'own';
  }
  console.log(`  chain: ${leaf.greet()} proto-ok=${Object.getPrototypeOf(leaf) === middle && Object.getPrototypeOf(middle) === base} dict=${dict.key} null-proto=${Object.getPrototypeOf(dict) === null}`);
  if (turn < 8) setTimeout(step, 45);
  else finish();
}

function finish() {
  if (Shape.created !== 4) throw new Error('constructor property lost');
  if (Object.getPrototypeOf(Shape.prototype) !== Object.prototype) throw new Error('Object.prototype not the real one');
  if (Object.getPrototypeOf(Circle.prototype) !== Shape.prototype) throw new Error('inheritance chain broken');
  if (!shapes.every((s) => s instanceof Shape && typeof s.hasOwnProperty === 'function')) throw new Error('instances lost their chain');
  if ('toString' in dict) throw new Error('null-prototype object gained a prototype');
  if (shapes[0].area !== shapes[2].area || shapes[0].area !== Circle.prototype.area) throw new Error('methods must be shared, not copied');
  console.log('ok');
}

console.log(shapes.map((s) => s.describe()).join('; '));
setTimeout(step, 45);
