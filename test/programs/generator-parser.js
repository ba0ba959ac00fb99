// A generator-driven parser in the style of real code: a tokenizer generator feeds a recursive-descent parser of arithmetic and
// let-bindings; input arrives in chunks across turns and the pull-based pipeline stays suspended between chunks.
'use strict';

const source = [
  'let x = 4 * (2 + 3);',
  'let y = x - 7 / 7;',
  'let z = (x + y) * 2 - 1;',
  'print x + y + z;',
  'let w = z * z - x * y;',
  'print w / 2;',
  'let neg = -(w - 1000);',
  'print neg * -1;',
].join('\n');

// Splits input arriving in chunks into characters; pauses (yields null) when it needs more input.
function* chars(queue) {
  for (;;) {
    while (queue.length === 0) {
      if (queue.closed) return;
      yield null;
    }
    yield* queue.shift();
  }
}

function* tokens(queue) {
  const it = chars(queue);
  let pending = null;
  const nextChar = function* () {
    if (pending !== null) {
      const c = pending;
      pending = null;
      return c;
    }
    for (;;) {
      const r = it.next();
      if (r.done) return undefined;
      if (r.value !== null) return r.value;
      yield { type: 'wait' };
    }
  };
  for (;;) {
    let c = yield* nextChar();
    if (c === undefined) return;
    if (/\s/.test(c)) continue;
    if (/[0-9]/.test(c)) {
      let text = c;
      for (;;) {
        const d = yield* nextChar();
        if (d !== undefined && /[0-9]/.test(d)) text += d;
        else {
          pending = d === undefined ? null : d;
          break;
        }
      }
      yield { type: 'num', value: Number(text) };
    } else if (/[a-z]/.test(c)) {
      let text = c;
      for (;;) {
        const d = yield* nextChar();
        if (d !== undefined && /[a-z]/.test(d)) text += d;
        else {
          pending = d === undefined ? null : d;
          break;
        }
      }
      yield text === 'let' || text === 'print' ? { type: text } : { type: 'name', value: text };
    } else yield { type: 'op', value: c };
  }
}

// Statement parser: pulls tokens, yields 'wait' upward when the tokenizer waits, yields each parsed statement.
function* statements(tokenStream) {
  let look = null;
  function* peek() {
    while (look === null) {
      const r = tokenStream.next();
      if (r.done) return (look = { type: 'eof' });
      if (r.value.type === 'wait') yield 'wait';
      else look = r.value;
    }
    return look;
  }
  function* take() {
    const t = yield* peek();
    look = null;
    return t;
  }
  function* primary() {
    const t = yield* take();
    if (t.type === 'num') return { k: 'num', v: t.value };
    if (t.type === 'name') return { k: 'var', name: t.value };
    if (t.type === 'op' && t.value === '-') return { k: 'neg', e: yield* primary() };
    if (t.type === 'op' && t.value === '(') {
      const e = yield* expr();
      const close = yield* take();
      if (close.value !== ')') throw new SyntaxError('expected )');
      return e;
    }
    throw new SyntaxError(`unexpected ${JSON.stringify(t)}`);
  }
  function* term() {
    let left = yield* primary();
    for (;;) {
      const t = yield* peek();
      if (t.type !== 'op' || (t.value !== '*' && t.value !== '/')) return left;
      yield* take();
      left = { k: t.value, l: left, r: yield* primary() };
    }
  }
  function* expr() {
    let left = yield* term();
    for (;;) {
      const t = yield* peek();
      if (t.type !== 'op' || (t.value !== '+' && t.value !== '-')) return left;
      yield* take();
      left = { k: t.value, l: left, r: yield* term() };
    }
  }
  for (;;) {
    const t = yield* take();
    if (t.type === 'eof') return;
    let stmt;
    if (t.type === 'let') {
      const name = (yield* take()).value;
      if ((yield* take()).value !== '=') throw new SyntaxError('expected =');
      stmt = { k: 'let', name, e: yield* expr() };
    } else if (t.type === 'print') stmt = { k: 'print', e: yield* expr() };
    else throw new SyntaxError('bad statement start');
    if ((yield* take()).value !== ';') throw new SyntaxError('expected ;');
    yield stmt;
  }
}

class Interpreter {
  constructor() {
    this.vars = new Map();
    this.output = [];
  }
  eval(e) {
    switch (e.k) {
      case 'num': return e.v;
      case 'var': if (!this.vars.has(e.name)) throw new ReferenceError(e.name); return this.vars.get(e.name);
      case 'neg': return -this.eval(e.e);
      case '+': return this.eval(e.l) + this.eval(e.r);
      case '-': return this.eval(e.l) - this.eval(e.r);
      case '*': return this.eval(e.l) * this.eval(e.r);
      case '/': return this.eval(e.l) / this.eval(e.r);
    }
    throw new Error('bad node ' + e.k);
  }
  run(stmt) {
    if (stmt.k === 'let') this.vars.set(stmt.name, this.eval(stmt.e));
    else this.output.push(this.eval(stmt.e));
  }
}

const queue = [];
queue.closed = false;
const parser = statements(tokens(queue));
const interp = new Interpreter();
let offset = 0;
let turn = 0;
let parsed = 0;

function step() {
  turn++;
  const size = 3 + (turn % 5) * 2;
  if (offset < source.length) {
    queue.push(source.slice(offset, offset + size));
    offset += size;
    if (offset >= source.length) queue.closed = true;
  }
  const got = [];
  for (;;) {
    const r = parser.next();
    if (r.done) {
      got.push('<end>');
      break;
    }
    if (r.value === 'wait') break;
    interp.run(r.value);
    parsed++;
    got.push(r.value.k === 'let' ? `let ${r.value.name}=${interp.vars.get(r.value.name)}` : `print ${interp.output[interp.output.length - 1]}`);
  }
  console.log(`turn ${turn}: fed ${Math.min(offset, source.length)}/${source.length} ${got.join(' ') || '(waiting)'}`);
  if (got.includes('<end>')) finish();
  else setTimeout(step, 12);
}

function finish() {
  if (parsed !== 8) throw new Error('statements lost: ' + parsed);
  if (interp.output.join(',') !== '116,2774.5,4549') throw new Error('wrong results: ' + interp.output);
  console.log(`vars ${[...interp.vars].map(([k, v]) => `${k}=${v}`).join(' ')}`);
  console.log('ok');
}

setTimeout(step, 12);
