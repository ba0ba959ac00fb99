'use strict';
// A bytecode interpreter: a tiny language (integers, variables, while, if, functions with
// recursion, arrays) is tokenised, parsed into an AST, compiled to a flat stack-machine
// bytecode (Int32Array plus a constant pool) and run by a switch-dispatch loop with call
// frames. The guest programs: a prime sieve, recursive Fibonacci, and an insertion sort.
// Checksum: the values the guest programs return, and the number of instructions executed.
const { benchSync } = require('./harness');

const SOURCE = `
fn sieve(n) {
  let flags = array(n + 1);
  let count = 0;
  let i = 2;
  while (i <= n) {
    if (flags[i] == 0) {
      count = count + 1;
      let j = i * i;
      while (j <= n) { flags[j] = 1; j = j + i; }
    }
    i = i + 1;
  }
  return count;
}
fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }
fn sort(n) {
  let a = array(n);
  let seed = 12345;
  let i = 0;
  while (i < n) { seed = (seed * 1103 + 12345) % 65536; a[i] = seed; i = i + 1; }
  i = 1;
  while (i < n) {
    let v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j = j - 1; }
    a[j + 1] = v;
    i = i + 1;
  }
  let check = 0;
  i = 0;
  while (i < n) { check = (check * 31 + a[i]) % 1000003; i = i + 1; }
  return check;
}
fn main() { return sieve(30000) * 1000000 + fib(23) * 1000 + sort(600) % 1000; }
`;

// ---- lexer ----
function tokenize(src) {
  const tokens = [];
  const re = /\s+|(\d+)|([A-Za-z_]\w*)|(==|!=|<=|>=|&&|\|\||[-+*/%<>=(){}[\],;!])/y;
  while (re.lastIndex < src.length) {
    const m = re.exec(src);
    if (m === null) throw new Error('bad character at ' + re.lastIndex);
    if (m[1] !== undefined) tokens.push({ t: 'num', v: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ t: ['fn', 'let', 'while', 'if', 'else', 'return'].includes(m[2]) ? m[2] : 'id', v: m[2] });
    else if (m[3] !== undefined) tokens.push({ t: m[3], v: m[3] });
  }
  tokens.push({ t: 'eof' });
  return tokens;
}

// ---- parser ----
const PRECEDENCE = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };

class Parser {
  constructor(tokens) {
    this.tokens = tokens;
    this.pos = 0;
  }
  peek() {
    return this.tokens[this.pos];
  }
  take(type) {
    const tok = this.tokens[this.pos++];
    if (type && tok.t !== type) throw new Error(`expected ${type}, got ${tok.t}`);
    return tok;
  }
  program() {
    const fns = [];
    while (this.peek().t !== 'eof') fns.push(this.fn());
    return fns;
  }
  fn() {
    this.take('fn');
    const name = this.take('id').v;
    this.take('(');
    const params = [];
    while (this.peek().t !== ')') {
      params.push(this.take('id').v);
      if (this.peek().t === ',') this.take(',');
    }
    this.take(')');
    return { name, params, body: this.block() };
  }
  block() {
    this.take('{');
    const body = [];
    while (this.peek().t !== '}') body.push(this.statement());
    this.take('}');
    return body;
  }
  statement() {
    const t = this.peek().t;
    if (t === 'let') {
      this.take();
      const name = this.take('id').v;
      this.take('=');
      const value = this.expression(0);
      this.take(';');
      return { k: 'let', name, value };
    }
    if (t === 'while') {
      this.take();
      this.take('(');
      const test = this.expression(0);
      this.take(')');
      return { k: 'while', test, body: this.block() };
    }
    if (t === 'if') {
      this.take();
      this.take('(');
      const test = this.expression(0);
      this.take(')');
      const then = this.block();
      let otherwise = [];
      if (this.peek().t === 'else') {
        this.take();
        otherwise = this.block();
      }
      return { k: 'if', test, then, otherwise };
    }
    if (t === 'return') {
      this.take();
      const value = this.expression(0);
      this.take(';');
      return { k: 'return', value };
    }
    const target = this.expression(0);
    if (this.peek().t === '=') {
      this.take();
      const value = this.expression(0);
      this.take(';');
      return { k: 'assign', target, value };
    }
    this.take(';');
    return { k: 'expr', value: target };
  }
  expression(minPrec) {
    let left = this.unary();
    for (;;) {
      const op = this.peek().t;
      const prec = PRECEDENCE[op];
      if (prec === undefined || prec <= minPrec) return left;
      this.take();
      left = { k: 'bin', op, left, right: this.expression(prec) };
    }
  }
  unary() {
    if (this.peek().t === '-') {
      this.take();
      return { k: 'bin', op: '-', left: { k: 'num', v: 0 }, right: this.unary() };
    }
    if (this.peek().t === '!') {
      this.take();
      return { k: 'not', value: this.unary() };
    }
    return this.postfix(this.primary());
  }
  primary() {
    const tok = this.take();
    if (tok.t === 'num') return { k: 'num', v: tok.v };
    if (tok.t === '(') {
      const e = this.expression(0);
      this.take(')');
      return e;
    }
    if (tok.t === 'id') {
      if (this.peek().t === '(') {
        this.take();
        const args = [];
        while (this.peek().t !== ')') {
          args.push(this.expression(0));
          if (this.peek().t === ',') this.take(',');
        }
        this.take(')');
        return { k: 'call', name: tok.v, args };
      }
      return { k: 'var', name: tok.v };
    }
    throw new Error('unexpected ' + tok.t);
  }
  postfix(e) {
    while (this.peek().t === '[') {
      this.take();
      const index = this.expression(0);
      this.take(']');
      e = { k: 'index', object: e, index };
    }
    return e;
  }
}

// ---- compiler ----
const OP = { CONST: 0, LOAD: 1, STORE: 2, ADD: 3, SUB: 4, MUL: 5, DIV: 6, MOD: 7, LT: 8, LE: 9, GT: 10, GE: 11, EQ: 12, NE: 13, JMP: 14, JZ: 15, CALL: 16, RET: 17, NEWARR: 18, GETI: 19, SETI: 20, NOT: 21, POP: 22, DUP: 23, JNZ: 24 };
const BINOPS = { '+': OP.ADD, '-': OP.SUB, '*': OP.MUL, '/': OP.DIV, '%': OP.MOD, '<': OP.LT, '<=': OP.LE, '>': OP.GT, '>=': OP.GE, '==': OP.EQ, '!=': OP.NE };

function compile(fns) {
  const code = [];
  const consts = [];
  const table = new Map(); // name -> { entry, params, locals }
  const fixups = [];
  for (const f of fns) table.set(f.name, { entry: -1, params: f.params.length, locals: 0 });
  const emit = (...xs) => {
    for (const x of xs) code.push(x);
    return code.length;
  };
  for (const f of fns) {
    const info = table.get(f.name);
    info.entry = code.length;
    const slots = new Map(f.params.map((p, i) => [p, i]));
    const slot = (name, create) => {
      if (!slots.has(name)) {
        if (!create) throw new Error('unknown variable ' + name);
        slots.set(name, slots.size);
      }
      return slots.get(name);
    };
    const expr = (e) => {
      switch (e.k) {
        case 'num': {
          let i = consts.indexOf(e.v);
          if (i === -1) i = consts.push(e.v) - 1;
          emit(OP.CONST, i);
          break;
        }
        case 'var':
          emit(OP.LOAD, slot(e.name, false));
          break;
        case 'bin':
          if (e.op === '&&' || e.op === '||') {
            expr(e.left);
            emit(OP.DUP, e.op === '&&' ? OP.JZ : OP.JNZ, 0);
            const at = code.length - 1;
            emit(OP.POP);
            expr(e.right);
            code[at] = code.length;
          } else {
            expr(e.left);
            expr(e.right);
            emit(BINOPS[e.op]);
          }
          break;
        case 'not':
          expr(e.value);
          emit(OP.NOT);
          break;
        case 'index':
          expr(e.object);
          expr(e.index);
          emit(OP.GETI);
          break;
        case 'call':
          if (e.name === 'array') {
            expr(e.args[0]);
            emit(OP.NEWARR);
          } else {
            for (const a of e.args) expr(a);
            emit(OP.CALL, 0, e.args.length);
            fixups.push({ at: code.length - 2, name: e.name });
          }
          break;
        default:
          throw new Error('bad expression ' + e.k);
      }
    };
    const stmt = (s) => {
      switch (s.k) {
        case 'let':
          expr(s.value);
          emit(OP.STORE, slot(s.name, true));
          break;
        case 'assign':
          if (s.target.k === 'var') {
            expr(s.value);
            emit(OP.STORE, slot(s.target.name, false));
          } else {
            expr(s.target.object);
            expr(s.target.index);
            expr(s.value);
            emit(OP.SETI);
          }
          break;
        case 'expr':
          expr(s.value);
          emit(OP.POP);
          break;
        case 'return':
          expr(s.value);
          emit(OP.RET);
          break;
        case 'while': {
          const top = code.length;
          expr(s.test);
          emit(OP.JZ, 0);
          const exit = code.length - 1;
          s.body.forEach(stmt);
          emit(OP.JMP, top);
          code[exit] = code.length;
          break;
        }
        case 'if': {
          expr(s.test);
          emit(OP.JZ, 0);
          const toElse = code.length - 1;
          s.then.forEach(stmt);
          emit(OP.JMP, 0);
          const toEnd = code.length - 1;
          code[toElse] = code.length;
          s.otherwise.forEach(stmt);
          code[toEnd] = code.length;
          break;
        }
        default:
          throw new Error('bad statement ' + s.k);
      }
    };
    f.body.forEach(stmt);
    emit(OP.CONST, consts.indexOf(0) === -1 ? consts.push(0) - 1 : consts.indexOf(0), OP.RET);
    info.locals = slots.size;
  }
  for (const { at, name } of fixups) {
    const info = table.get(name);
    if (!info) throw new Error('unknown function ' + name);
    code[at] = fns.findIndex((f) => f.name === name);
  }
  const functions = fns.map((f) => table.get(f.name));
  return { code: Int32Array.from(code), consts, functions, main: fns.findIndex((f) => f.name === 'main') };
}

// ---- virtual machine ----
function execute(program) {
  const { code, consts, functions } = program;
  const stack = new Array(4096);
  let sp = 0;
  const frames = [];
  let fn = functions[program.main];
  let pc = fn.entry;
  let base = 0;
  sp = fn.locals;
  let steps = 0;
  for (;;) {
    steps++;
    const op = code[pc++];
    switch (op) {
      case OP.CONST:
        stack[sp++] = consts[code[pc++]];
        break;
      case OP.LOAD:
        stack[sp++] = stack[base + code[pc++]];
        break;
      case OP.STORE:
        stack[base + code[pc++]] = stack[--sp];
        break;
      case OP.ADD:
        sp--;
        stack[sp - 1] = stack[sp - 1] + stack[sp];
        break;
      case OP.SUB:
        sp--;
        stack[sp - 1] = stack[sp - 1] - stack[sp];
        break;
      case OP.MUL:
        sp--;
        stack[sp - 1] = stack[sp - 1] * stack[sp];
        break;
      case OP.DIV:
        sp--;
        stack[sp - 1] = Math.trunc(stack[sp - 1] / stack[sp]);
        break;
      case OP.MOD:
        sp--;
        stack[sp - 1] = stack[sp - 1] % stack[sp];
        break;
      case OP.LT:
        sp--;
        stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0;
        break;
      case OP.LE:
        sp--;
        stack[sp - 1] = stack[sp - 1] <= stack[sp] ? 1 : 0;
        break;
      case OP.GT:
        sp--;
        stack[sp - 1] = stack[sp - 1] > stack[sp] ? 1 : 0;
        break;
      case OP.GE:
        sp--;
        stack[sp - 1] = stack[sp - 1] >= stack[sp] ? 1 : 0;
        break;
      case OP.EQ:
        sp--;
        stack[sp - 1] = stack[sp - 1] === stack[sp] ? 1 : 0;
        break;
      case OP.NE:
        sp--;
        stack[sp - 1] = stack[sp - 1] !== stack[sp] ? 1 : 0;
        break;
      case OP.NOT:
        stack[sp - 1] = stack[sp - 1] ? 0 : 1;
        break;
      case OP.JMP:
        pc = code[pc];
        break;
      case OP.JZ:
        pc = stack[--sp] === 0 ? code[pc] : pc + 1;
        break;
      case OP.JNZ:
        pc = stack[--sp] !== 0 ? code[pc] : pc + 1;
        break;
      case OP.DUP:
        stack[sp] = stack[sp - 1];
        sp++;
        break;
      case OP.POP:
        sp--;
        break;
      case OP.CALL: {
        const callee = functions[code[pc++]];
        const argc = code[pc++];
        frames.push({ fn, pc, base });
        fn = callee;
        base = sp - argc;
        for (let i = argc; i < callee.locals; i++) stack[base + i] = 0;
        sp = base + callee.locals;
        pc = callee.entry;
        break;
      }
      case OP.RET: {
        const value = stack[--sp];
        if (frames.length === 0) return { value, steps };
        sp = base;
        const f = frames.pop();
        fn = f.fn;
        pc = f.pc;
        base = f.base;
        stack[sp++] = value;
        break;
      }
      case OP.NEWARR:
        stack[sp - 1] = new Array(stack[sp - 1]).fill(0);
        break;
      case OP.GETI:
        sp--;
        stack[sp - 1] = stack[sp - 1][stack[sp]];
        break;
      case OP.SETI: {
        const value = stack[--sp];
        const index = stack[--sp];
        const arr = stack[--sp];
        arr[index] = value;
        break;
      }
      default:
        throw new Error('bad opcode ' + op + ' at ' + (pc - 1));
    }
  }
}

function run() {
  const program = compile(new Parser(tokenize(SOURCE)).program());
  const { value, steps } = execute(program);
  return value + '/' + steps;
}

benchSync('interpreter', '3273657499/4410368', run);
