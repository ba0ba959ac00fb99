/**
 * Generators as resumable state machines.
 *
 * Runs on a generator's body *after* the closure pass, when every binding of the generator
 * already lives in its frame record (see analyze: resumable). What is left is control flow:
 * the body becomes a step function `(F) => value` over numbered states, with the current
 * state, temporaries and the try stack in the frame, so a suspended generator is plain heap
 * state that a snapshot carries and a restore resumes.
 *
 *   function* g() { let i = 0; while (i < 3) yield i++; }
 * →
 *   frame fields: $s: 0, $tr: null, $rv: void 0
 *   step: $tjs_loop: for (;;) switch (F.$s) {
 *     case 0: { F.i = 0; F.$s = 1; continue $tjs_loop; }
 *     case 1: { if (!(F.i < 3)) { F.$s = 3; continue $tjs_loop; } F.$s = 2; return F.i++; }
 *     case 2: { $tjs_rt.sent(F); F.$s = 1; continue $tjs_loop; }
 *     case 3: { return (F.$rv = void 0, $tjs_rt.returned); }
 *   }
 *
 * The step returns what it yields (what it awaits, in an async function or async generator):
 * nothing is allocated per suspension. A return leaves its value in the frame's `$rv` and
 * returns the runtime's `returned` marker; an async generator's yield (its operand already
 * awaited), the `yielded` marker. (The value goes to the frame, not to the runtime: a native
 * finally block after the return may run other machines before the step ends.) The fields the machine uses are added to the frame's literal
 * (buildStateMachine returns them), so every frame of one function has one shape from its
 * creation on. A statement without `yield` is emitted whole (its `break` /
 * `continue` / `return` that leave it are rewritten into state jumps); an expression with
 * `yield` is evaluated left to right into frame temporaries. Constructs this pass does not
 * handle raise Unsupported: the generator then stays a native one (it runs, but a capture
 * that meets it suspended fails with E_NOT_CAPTURABLE).
 */
import * as b from './builders';
import { eachChild, isFunction, type Node } from '../walk';

export class Unsupported extends Error {}

const LOOP = '$tjs_loop';

interface Jumps {
  /** label (or '' for the innermost) → state to go to on break / continue */
  breaks: Map<string, number>;
  continues: Map<string, number>;
  /** try entries open at this point (to pop when a jump leaves them) */
  tryDepth: number;
  /** try depth where each break/continue target lives */
  depthOf: Map<number, number>;
}

function containsYield(n: Node | null | undefined): boolean {
  if (!n) return false;
  let found = false;
  const visit = (x: Node): void => {
    if (found) return;
    if (x.type === 'YieldExpression' || x.type === 'AwaitExpression' || (x.type === 'ForOfStatement' && x.await)) {
      found = true;
      return;
    }
    if (isFunction(x) || x.type === 'ClassExpression' || x.type === 'ClassDeclaration') return;
    eachChild(x, visit);
  };
  visit(n);
  return found;
}

export interface MachineOptions {
  /** Name of the frame variable (the generator's function record). */
  frame: string;
  /** The fields the frame's literal has already. */
  frameKeys: Set<string>;
  /** Member expression builder for the runtime namespace, e.g. `$tjs_rt.x`. */
  rt: (name: string) => Node;
  /** An async generator: `yield` awaits its operand and reports it as `yielded`, `return v`
   *  awaits v, `yield*` delegates to an async iterator (runtime/async-generators.ts). */
  asyncGenerator?: boolean;
}

/** In an async generator `return v` is `return await v`. */
function awaitReturns(n: Node): void {
  if (isFunction(n) || n.type === 'ClassExpression' || n.type === 'ClassDeclaration') return;
  if (n.type === 'ReturnStatement' && n.argument) n.argument = { type: 'AwaitExpression', argument: n.argument };
  eachChild(n, awaitReturns);
}

/** The step function's body, and the properties the frame's literal must have for it. */
export interface StateMachine {
  body: Node[];
  frameFields: Node[];
}

export function buildStateMachine(body: Node[], opts: MachineOptions): StateMachine {
  return new Machine(opts).build(body);
}

class Machine {
  private readonly cases: Node[][] = [[]];
  private cur = 0;
  private temps = 0;
  /** Frame fields the machine's code or the runtime sets besides its temporaries. */
  private readonly fields = new Set<string>();
  private hasTry = false;
  constructor(private readonly o: MachineOptions) {}

  build(body: Node[]): StateMachine {
    if (this.o.asyncGenerator) for (const st of body) awaitReturns(st);
    const j: Jumps = { breaks: new Map(), continues: new Map(), tryDepth: 0, depthOf: new Map() };
    for (const st of body) this.stmt(st, j);
    this.emit(this.done(b.undef()));
    const cases = this.cases.map((list, i) => ({ type: 'SwitchCase', test: b.literal(i), consequent: [b.block(list)] }));
    cases.push({ type: 'SwitchCase', test: null, consequent: [this.done(b.undef())] } as never);
    const sw = { type: 'SwitchStatement', discriminant: this.f('$s'), cases };
    const loop = { type: 'ForStatement', init: null, test: null, update: null, body: sw };
    const step = [{ type: 'LabeledStatement', label: b.id(LOOP), body: loop }];
    return { body: step, frameFields: this.frameFields(step) };
  }

  /** Every field the machine, the runtime and the body (its block records) set, for the
   *  frame's literal: fields added one by one as states first run would give the frame a new
   *  shape at each (and the step's property accesses would go megamorphic). The try stack
   *  exists only where a try does. */
  private frameFields(body: Node[]): Node[] {
    const out = [b.prop('$s', b.literal(0)), b.prop('$tr', this.hasTry ? b.array([]) : b.literal(null)), b.prop('$rv', b.undef())];
    for (let i = 0; i < this.temps; i++) out.push(b.prop(`$t${i}`, b.undef()));
    for (const name of ['$pc', '$err', '$d', '$dm']) if (this.fields.has(name)) out.push(b.prop(name, name === '$pc' ? b.literal(null) : b.undef()));
    const known = new Set([...this.o.frameKeys, ...out.map((p) => p.key.name as string)]);
    const visit = (n: Node): void => {
      if (isFunction(n) || n.type === 'ClassExpression' || n.type === 'ClassDeclaration') return;
      if (n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' && !n.left.computed && n.left.object.type === 'Identifier' && n.left.object.name === this.o.frame) {
        const name: string = n.left.property.name;
        if (!known.has(name)) {
          known.add(name);
          out.push(b.prop(name, b.undef()));
        }
      }
      eachChild(n, visit);
    };
    body.forEach(visit);
    return out;
  }

  /** `return (F.$rv = value, $tjs_rt.returned)`: the function returns. */
  private done(value: Node): Node {
    return b.ret(this.report(value, 'returned'));
  }

  /** The value in the frame, and the runtime's marker of what it is. */
  private report(value: Node, marker: 'returned' | 'yielded'): Node {
    return b.seq([b.assign(this.f('$rv'), value), this.o.rt(marker)]);
  }

  // ---- plumbing -------------------------------------------------------------------------
  private f(name: string): Node {
    return b.member(b.id(this.o.frame), name);
  }
  private temp(): Node {
    return this.f(`$t${this.temps++}`);
  }
  private emit(st: Node): void {
    this.cases[this.cur].push(st);
  }
  private newState(): number {
    this.cases.push([]);
    return this.cases.length - 1;
  }
  private jumpStmts(target: number): Node[] {
    return [b.exprStmt(b.assign(this.f('$s'), b.literal(target))), { type: 'ContinueStatement', label: b.id(LOOP) }];
  }
  private jump(target: number): void {
    for (const s of this.jumpStmts(target)) this.emit(s);
  }
  /** Continues emitting in `state` (the current state falls through to it). */
  private mark(state: number): void {
    this.jump(state);
    this.cur = state;
  }
  private jumpIfNot(test: Node, target: number): void {
    this.emit({ type: 'IfStatement', test: { type: 'UnaryExpression', operator: '!', prefix: true, argument: test }, consequent: b.block(this.jumpStmts(target)), alternate: null });
  }
  private popTries(n: number): Node[] {
    const out: Node[] = [];
    for (let i = 0; i < n; i++) out.push(b.exprStmt(b.call(b.member(this.f('$tr'), 'pop'), [])));
    return out;
  }

  // ---- statements ---------------------------------------------------------------------
  private stmt(s: Node, j: Jumps, label?: string): void {
    if (!containsYield(s)) {
      this.emit(this.rewriteJumps(s, j));
      return;
    }
    switch (s.type) {
      case 'BlockStatement':
        for (const x of s.body) this.stmt(x, j);
        return;
      case 'ExpressionStatement':
        this.emit(b.exprStmt(this.expr(s.expression)));
        return;
      case 'ReturnStatement':
        this.emit(this.done(s.argument ? this.expr(s.argument) : b.undef()));
        return;
      case 'ThrowStatement':
        this.emit({ type: 'ThrowStatement', argument: this.expr(s.argument) });
        return;
      case 'IfStatement': {
        const test = this.expr(s.test);
        const elseS = this.newState();
        const end = this.newState();
        this.jumpIfNot(test, s.alternate ? elseS : end);
        this.stmt(s.consequent, j);
        this.jump(end);
        this.cur = elseS;
        if (s.alternate) this.stmt(s.alternate, j);
        this.mark(end);
        return;
      }
      case 'LabeledStatement': {
        const name: string = s.label.name;
        if (/Statement$/.test(s.body.type) && /^(For|While|DoWhile|ForOf|ForIn)Statement$/.test(s.body.type)) {
          this.stmt(s.body, j, name);
          return;
        }
        const end = this.newState();
        const inner: Jumps = { ...j, breaks: new Map(j.breaks).set(name, end), depthOf: new Map(j.depthOf).set(end, j.tryDepth) };
        this.stmt(s.body, inner);
        this.mark(end);
        return;
      }
      case 'WhileStatement': {
        const top = this.newState();
        const end = this.newState();
        this.mark(top);
        this.jumpIfNot(this.expr(s.test), end);
        this.stmt(s.body, this.loopJumps(j, end, top, label));
        this.jump(top);
        this.cur = end;
        return;
      }
      case 'DoWhileStatement': {
        const body = this.newState();
        const test = this.newState();
        const end = this.newState();
        this.mark(body);
        this.stmt(s.body, this.loopJumps(j, end, test, label));
        this.mark(test);
        const t = this.expr(s.test);
        this.emit({ type: 'IfStatement', test: t, consequent: b.block(this.jumpStmts(body)), alternate: null });
        this.jump(end);
        this.cur = end;
        return;
      }
      case 'ForStatement': {
        if (s.init) {
          if (s.init.type === 'VariableDeclaration') throw new Unsupported('declaration in a generator loop head');
          this.emit(b.exprStmt(this.expr(s.init)));
        }
        const top = this.newState();
        const update = this.newState();
        const end = this.newState();
        this.mark(top);
        if (s.test) this.jumpIfNot(this.expr(s.test), end);
        this.stmt(s.body, this.loopJumps(j, end, update, label));
        this.mark(update);
        if (s.update) this.emit(b.exprStmt(this.expr(s.update)));
        this.jump(top);
        this.cur = end;
        return;
      }
      case 'ForOfStatement':
        this.forOf(s, j, label);
        return;
      case 'ForInStatement': {
        const it = this.temp();
        const step = this.temp();
        const source = this.expr(s.right);
        this.emit(b.exprStmt(b.assign(it, b.call(this.o.rt('keys'), [source]))));
        const top = this.newState();
        const end = this.newState();
        this.mark(top);
        this.emit(b.exprStmt(b.assign(step, b.call(b.member(it, 'next'), []))));
        this.emit({ type: 'IfStatement', test: b.member(step, 'done'), consequent: b.block(this.jumpStmts(end)), alternate: null });
        const bodyList = s.body.type === 'BlockStatement' ? s.body.body : [s.body];
        this.stmt({ type: 'BlockStatement', body: [this.loopHead(s, b.member(step, 'value')), ...bodyList] }, this.loopJumps(j, end, top, label));
        this.jump(top);
        this.cur = end;
        return;
      }
      case 'TryStatement':
        this.tryStmt(s, j);
        return;
      case 'SwitchStatement': {
        // Tests are evaluated in order until one matches (each may suspend); bodies fall
        // through; an unlabeled break leaves the switch.
        const disc = this.save(this.expr(s.discriminant));
        const end = this.newState();
        const bodies: number[] = s.cases.map(() => this.newState());
        let fallback = end;
        s.cases.forEach((c: Node, i: number) => {
          if (!c.test) {
            fallback = bodies[i];
            return;
          }
          const t = this.expr(c.test);
          this.emit({ type: 'IfStatement', test: b.binary(disc, '===', t), consequent: b.block(this.jumpStmts(bodies[i])), alternate: null });
        });
        this.jump(fallback);
        const inner: Jumps = { ...j, breaks: new Map(j.breaks).set('', end), depthOf: new Map(j.depthOf).set(end, j.tryDepth) };
        s.cases.forEach((c: Node, i: number) => {
          this.cur = bodies[i];
          for (const x of c.consequent) this.stmt(x, inner);
          this.jump(i + 1 < bodies.length ? bodies[i + 1] : end);
        });
        this.cur = end;
        return;
      }
      case 'VariableDeclaration':
        // Left by the closure pass only for native (uncaptured) names: none in a generator.
        throw new Unsupported('a native declaration with yield');
      default:
        throw new Unsupported(`yield inside ${s.type}`);
    }
  }

  /** The head binding of a for-in/of: native for the first statements of the body only
   *  (the closure pass copies it into the iteration's record, or its frame field, right away). */
  private loopHead(s: Node, value: Node): Node {
    if (containsYield(s.left)) throw new Unsupported('yield in a loop head');
    return s.left.type === 'VariableDeclaration'
      ? { type: 'VariableDeclaration', kind: 'const', declarations: [{ type: 'VariableDeclarator', id: s.left.declarations[0].id, init: value }] }
      : b.exprStmt(b.assign(s.left, value));
  }

  /**
   * for-of and for-await with a suspension inside, as a loop over frame temporaries whose
   * iterator is closed when the loop is left early (break, return, throw), as the engine
   * does:
   *
   *   it = iter(src);                       // aiter() for for-await
   *   try {
   *     for (;;) {
   *       done = true;
   *       step = it.next();                   // astep(await it.next())
   *       if (step.done) break;
   *       done = false;
   *       const x = step.value; ...body
   *     }
   *   } finally { if (!done) closeIter(it); } // await closeIter(it)
   */
  private forOf(s: Node, j: Jumps, label?: string): void {
    const isAwait = !!s.await;
    const it = this.temp();
    const step = this.temp();
    const done = this.temp();
    this.emit(b.exprStmt(b.assign(it, b.call(this.o.rt(isAwait ? 'aiter' : 'iter'), [this.expr(s.right)]))));
    this.emit(b.exprStmt(b.assign(done, b.literal(true))));
    const next = b.call(b.member(it, 'next'), []);
    const bodyList = s.body.type === 'BlockStatement' ? s.body.body : [s.body];
    const loopBody = b.block([
      b.exprStmt(b.assign(done, b.literal(true))),
      b.exprStmt(b.assign(step, isAwait ? b.call(this.o.rt('astep'), [{ type: 'AwaitExpression', argument: next }]) : next)),
      { type: 'IfStatement', test: b.member(step, 'done'), consequent: { type: 'BreakStatement', label: null }, alternate: null },
      b.exprStmt(b.assign(done, b.literal(false))),
      this.loopHead(s, b.member(step, 'value')),
      ...bodyList,
    ]);
    let loop: Node = { type: 'ForStatement', init: null, test: null, update: null, body: loopBody };
    if (label) loop = { type: 'LabeledStatement', label: b.id(label), body: loop };
    const close = b.call(this.o.rt('closeIter'), [it]);
    const finalizer = b.block([{ type: 'IfStatement', test: { type: 'UnaryExpression', operator: '!', prefix: true, argument: done }, consequent: b.exprStmt(isAwait ? { type: 'AwaitExpression', argument: close } : close), alternate: null }]);
    this.stmt({ type: 'TryStatement', block: b.block([loop]), handler: null, finalizer }, j);
  }

  private loopJumps(j: Jumps, end: number, cont: number, label?: string): Jumps {
    const breaks = new Map(j.breaks).set('', end);
    const continues = new Map(j.continues).set('', cont);
    const depthOf = new Map(j.depthOf).set(end, j.tryDepth).set(cont, j.tryDepth);
    if (label) {
      breaks.set(label, end);
      continues.set(label, cont);
    }
    return { breaks, continues, tryDepth: j.tryDepth, depthOf };
  }

  /**
   * try/catch/finally with yields: the frame's try stack ($tr) holds [catch state, finally
   * state, phase] for each open try; the runtime's dispatcher routes a throw or a return
   * through it (see runtime/generators.ts).
   */
  private tryStmt(s: Node, j: Jumps): void {
    this.hasTry = true;
    this.fields.add('$pc');
    if (s.handler) this.fields.add('$err');
    const catchS = s.handler ? this.newState() : -1;
    const finallyS = s.finalizer ? this.newState() : -1;
    const end = this.newState();
    this.emit(b.exprStmt(b.call(b.member(this.f('$tr'), 'push'), [b.array([b.literal(catchS), b.literal(finallyS), b.literal(0)])])));
    const inner: Jumps = { ...j, tryDepth: j.tryDepth + 1 };
    this.stmt(s.block, inner);
    const leave = (): void => {
      if (s.finalizer) {
        // F.$tr[F.$tr.length - 1][2] = 2: the try is now in its finally phase.
        const top = b.computedMember(this.f('$tr'), b.binary(b.member(this.f('$tr'), 'length'), '-', b.literal(1)));
        this.emit(b.exprStmt(b.assign(b.computedMember(top, b.literal(2)), b.literal(2))));
        this.emit(b.exprStmt(b.assign(this.f('$pc'), b.literal(null))));
        this.jump(finallyS);
      } else {
        for (const x of this.popTries(1)) this.emit(x);
        this.jump(end);
      }
    };
    leave();
    if (s.handler) {
      this.cur = catchS;
      const h = s.handler;
      const bodyList: Node[] = [...h.body.body];
      if (h.param) bodyList.unshift({ type: 'VariableDeclaration', kind: 'const', declarations: [{ type: 'VariableDeclarator', id: h.param, init: this.f('$err') }] });
      this.stmt({ type: 'BlockStatement', body: bodyList }, inner);
      leave();
    }
    if (s.finalizer) {
      this.cur = finallyS;
      // The entry stays on the try stack while the finally block runs (a jump out of it pops it).
      this.stmt(s.finalizer, inner);
      for (const x of this.popTries(1)) this.emit(x);
      // A pending throw, return or jump goes on; otherwise continue after the statement.
      const isJump = b.binary(b.member(this.f('$pc'), 't'), '===', b.literal('jump'));
      const routeJump = b.block([b.exprStmt(b.call(this.o.rt('routeJump'), [b.id(this.o.frame)])), { type: 'ContinueStatement', label: b.id(LOOP) }]);
      const pending = b.block([{ type: 'IfStatement', test: isJump, consequent: routeJump, alternate: null }, b.exprStmt(b.call(this.o.rt('resumeCompletion'), [b.id(this.o.frame)]))]);
      this.emit({ type: 'IfStatement', test: this.f('$pc'), consequent: pending, alternate: null });
      this.jump(end);
    }
    this.cur = end;
  }

  /** Rewrites break/continue/return in a statement without yield that leave it. */
  private rewriteJumps(s: Node, j: Jumps): Node {
    const inner = new Set<string>(); // labels defined inside s
    const visit = (n: Node, loopDepth: number, switchDepth: number): Node => {
      if (isFunction(n) || n.type === 'ClassExpression' || n.type === 'ClassDeclaration') return n;
      switch (n.type) {
        case 'ReturnStatement':
          return this.done(n.argument ?? b.undef());
        case 'BreakStatement':
        case 'ContinueStatement': {
          const name: string = n.label ? n.label.name : '';
          if (name ? inner.has(name) : n.type === 'BreakStatement' ? loopDepth + switchDepth > 0 : loopDepth > 0) return n;
          const target = (n.type === 'BreakStatement' ? j.breaks : j.continues).get(name);
          if (target === undefined) return n;
          const depth = j.depthOf.get(target) ?? 0;
          if (j.tryDepth <= depth) return b.block(this.jumpStmts(target));
          // Out of try statements: their finally blocks run first (runtime routeJump).
          this.fields.add('$pc');
          const pc = b.object([b.prop('t', b.literal('jump')), b.prop('s', b.literal(target)), b.prop('d', b.literal(depth))]);
          return b.block([b.exprStmt(b.assign(this.f('$pc'), pc)), b.exprStmt(b.call(this.o.rt('routeJump'), [b.id(this.o.frame)])), { type: 'ContinueStatement', label: b.id(LOOP) }]);
        }
        case 'LabeledStatement':
          inner.add(n.label.name);
          break;
        default:
          break;
      }
      const isLoop = /^(For|ForIn|ForOf|While|DoWhile)Statement$/.test(n.type);
      const isSwitch = n.type === 'SwitchStatement';
      eachChild(n, (c, key, index) => {
        const v = visit(c, loopDepth + (isLoop ? 1 : 0), switchDepth + (isSwitch ? 1 : 0));
        if (index >= 0) n[key][index] = v;
        else n[key] = v;
      });
      return n;
    };
    return visit(s, 0, 0);
  }

  // ---- expressions --------------------------------------------------------------------
  /** An expression with yield, evaluated into the current state; returns what is left. */
  private expr(e: Node): Node {
    if (!containsYield(e)) return e;
    switch (e.type) {
      case 'YieldExpression': {
        if (this.o.asyncGenerator) return this.asyncYield(e);
        if (e.delegate) {
          this.fields.add('$d');
          const inner = this.expr(e.argument);
          this.emit(b.exprStmt(b.call(this.o.rt('delegate'), [b.id(this.o.frame), inner])));
          const again = this.newState();
          this.mark(again);
          const r = this.temp();
          this.emit(b.exprStmt(b.assign(r, b.call(this.o.rt('delegateStep'), [b.id(this.o.frame)]))));
          this.emit({ type: 'IfStatement', test: { type: 'UnaryExpression', operator: '!', prefix: true, argument: b.member(r, 'done') }, consequent: b.ret(b.member(r, 'value')), alternate: null });
          return b.member(r, 'value');
        }
        return this.suspend(e.argument ? this.expr(e.argument) : b.undef());
      }
      case 'SequenceExpression': {
        const parts = this.list(e.expressions);
        return b.seq(parts);
      }
      case 'BinaryExpression': {
        const [l, r] = this.list([e.left, e.right]);
        return { ...e, left: l, right: r };
      }
      case 'UnaryExpression':
        if (e.operator === 'delete') throw new Unsupported('delete with yield');
        return { ...e, argument: this.expr(e.argument) };
      case 'AwaitExpression':
        // In an async function the machine "yields" what it awaits; the runtime's driver
        // resumes it with the settled value (or throws the reason in).
        return this.suspend(this.expr(e.argument));
      case 'MemberExpression': {
        if (e.computed) {
          const [o, p] = this.list([e.object, e.property]);
          return { ...e, object: o, property: p };
        }
        return { ...e, object: this.expr(e.object) };
      }
      case 'CallExpression':
      case 'NewExpression': {
        if (e.optional) throw new Unsupported('optional call with yield');
        const argsHaveYield = e.arguments.some((a: Node) => containsYield(a));
        let callee: Node;
        let thisArg: Node | null = null;
        if (e.type === 'CallExpression' && e.callee.type === 'MemberExpression' && argsHaveYield) {
          // obj.m(yield x): obj and obj.m are taken before the arguments run.
          const obj = this.save(this.expr(e.callee.object));
          const prop = e.callee.computed ? this.save(this.expr(e.callee.property)) : e.callee.property;
          callee = this.save({ ...e.callee, object: obj, property: prop });
          thisArg = obj;
        } else {
          callee = argsHaveYield ? this.save(this.expr(e.callee)) : this.expr(e.callee);
        }
        const args = this.list(e.arguments);
        if (thisArg && callee.type === 'MemberExpression' && callee.object === thisArg) return { ...e, callee, arguments: args };
        if (thisArg) return b.call(b.member(callee, 'call'), [thisArg, ...args]);
        if (e.type === 'CallExpression' && argsHaveYield && e.callee.type !== 'MemberExpression') return b.call(b.seq([b.literal(0), callee]), args);
        return { ...e, callee, arguments: args };
      }
      case 'ArrayExpression':
        return { ...e, elements: this.list(e.elements) };
      case 'ObjectExpression': {
        const vals: Node[] = [];
        for (const p of e.properties) {
          if (p.type === 'SpreadElement') vals.push(p.argument);
          else {
            if (p.computed) throw new Unsupported('computed key with yield');
            if (p.kind !== 'init' || p.method) throw new Unsupported('accessor with yield');
            vals.push(p.value);
          }
        }
        const out = this.list(vals);
        return { ...e, properties: e.properties.map((p: Node, i: number) => (p.type === 'SpreadElement' ? { ...p, argument: out[i] } : { ...p, shorthand: false, value: out[i] })) };
      }
      case 'SpreadElement':
        return { ...e, argument: this.expr(e.argument) };
      case 'TemplateLiteral':
        return { ...e, expressions: this.list(e.expressions) };
      case 'AssignmentExpression': {
        const left = e.left;
        // A destructuring target is evaluated after the value: only the value can suspend.
        if ((left.type === 'ArrayPattern' || left.type === 'ObjectPattern') && e.operator === '=' && !containsYield(left)) return b.assign(left, this.expr(e.right));
        if (left.type !== 'MemberExpression') throw new Unsupported('assignment target with yield');
        const obj = this.save(this.expr(left.object));
        const prop = left.computed ? this.save(this.expr(left.property)) : left.property;
        const target = { ...left, object: obj, property: prop };
        if (e.operator === '=') return b.assign(target, this.expr(e.right));
        const logical = e.operator === '&&=' || e.operator === '||=' || e.operator === '??=';
        if (logical) throw new Unsupported('logical assignment with yield');
        const old = this.save(target);
        const op = e.operator.slice(0, -1);
        return b.assign(target, b.binary(old, op, this.expr(e.right)));
      }
      case 'LogicalExpression': {
        const result = this.temp();
        this.emit(b.exprStmt(b.assign(result, this.expr(e.left))));
        const end = this.newState();
        const test =
          e.operator === '&&'
            ? { type: 'UnaryExpression', operator: '!', prefix: true, argument: result }
            : e.operator === '||'
              ? result
              : b.binary(result, '!=', b.literal(null));
        this.emit({ type: 'IfStatement', test, consequent: b.block(this.jumpStmts(end)), alternate: null });
        this.emit(b.exprStmt(b.assign(result, this.expr(e.right))));
        this.mark(end);
        return result;
      }
      case 'ChainExpression': {
        // Only the chain's base (evaluated first, whatever short-circuits later) may suspend.
        let base = e.expression;
        const path: Node[] = [];
        while (base.type === 'MemberExpression' || base.type === 'CallExpression') {
          path.push(base);
          base = base.type === 'MemberExpression' ? base.object : base.callee;
        }
        for (const link of path) {
          const rest = link.type === 'MemberExpression' ? [link.computed ? link.property : null] : link.arguments;
          if (rest.some((x: Node | null) => x && containsYield(x))) throw new Unsupported('yield inside an optional chain');
        }
        const value = this.expr(base);
        const top = path[path.length - 1];
        if (top.type === 'MemberExpression') top.object = value;
        else top.callee = value;
        return e;
      }
      case 'ConditionalExpression': {
        const result = this.temp();
        const test = this.expr(e.test);
        const alt = this.newState();
        const end = this.newState();
        this.jumpIfNot(test, alt);
        this.emit(b.exprStmt(b.assign(result, this.expr(e.consequent))));
        this.jump(end);
        this.cur = alt;
        this.emit(b.exprStmt(b.assign(result, this.expr(e.alternate))));
        this.mark(end);
        return result;
      }
      default:
        throw new Unsupported(`yield inside ${e.type}`);
    }
  }

  /** yield in an async generator: the operand is awaited, then yielded; yield* awaits each
   *  step of the async iterator it delegates to and yields its values as they are. */
  private asyncYield(e: Node): Node {
    const F = b.id(this.o.frame);
    if (e.delegate) {
      this.fields.add('$d');
      this.fields.add('$dm');
      this.emit(b.exprStmt(b.call(this.o.rt('adelegate'), [F, this.expr(e.argument)])));
      const again = this.newState();
      this.mark(again);
      const r = this.suspend(b.call(this.o.rt('adelegateNext'), [F]));
      const notDone = { type: 'UnaryExpression', operator: '!', prefix: true, argument: b.call(this.o.rt('adelegateDone'), [F, r]) };
      const yieldRaw = b.block([b.exprStmt(b.assign(this.f('$s'), b.literal(again))), b.ret(this.report(b.member(r, 'value'), 'yielded'))]);
      this.emit({ type: 'IfStatement', test: notDone, consequent: yieldRaw, alternate: null });
      return b.member(r, 'value');
    }
    const awaited = this.suspend(e.argument ? this.expr(e.argument) : b.undef());
    return this.suspend(this.report(awaited, 'yielded'));
  }

  /** Suspends: the step returns `value` (what a yield yields or an await awaits, or the
   *  `yielded` marker); the next state starts by taking what the resume brought. */
  private suspend(value: Node): Node {
    const resume = this.newState();
    this.emit(b.exprStmt(b.assign(this.f('$s'), b.literal(resume))));
    this.emit(b.ret(value));
    this.cur = resume;
    const t = this.temp();
    this.emit(b.exprStmt(b.assign(t, b.call(this.o.rt('sent'), [b.id(this.o.frame)]))));
    return t;
  }

  /** Evaluates expressions left to right; values computed before a later yield are saved. */
  private list(items: (Node | null)[]): Node[] {
    let last = -1;
    items.forEach((x, i) => {
      if (x && containsYield(x)) last = i;
    });
    return items.map((x, i) => {
      if (!x) return x as unknown as Node;
      const v = this.expr(x);
      return i < last ? this.save(v) : v;
    });
  }

  /** The frame, the runtime namespace and the records the step reads from the frame are
   *  never reassigned: a later yield cannot change what they hold. */
  private isConstant(name: string): boolean {
    return name === this.o.frame || name === this.rtName() || /^\$tjs_e\d+$/.test(name);
  }

  private rtName(): string {
    return this.o.rt('x').object.name as string;
  }

  private save(v: Node): Node {
    if (v.type === 'Literal' || (v.type === 'MemberExpression' && v.object.type === 'Identifier' && v.object.name === this.o.frame && !v.computed && /^\$t\d+$/.test(v.property.name))) return v;
    if (v.type === 'Identifier' && this.isConstant(v.name)) return v;
    if (v.type === 'MemberExpression' && !v.computed && v.object.type === 'Identifier' && v.object.name === this.rtName()) return v; // frozen
    const t = this.temp();
    this.emit(b.exprStmt(b.assign(t, v)));
    return t;
  }
}
