'use strict';
// An incremental constraint solver in the style of DeltaBlue: one-way dataflow constraints
// with strengths (required ... weakest), solved by local propagation. Adding a constraint
// may override a weaker one; removing one re-satisfies what it blocked, strongest first; a
// plan (the satisfied constraints in dataflow order from the edited variables) is extracted
// and run for every new input value. Two workloads: a long chain of equalities edited at one
// end, and a projection of many variables through scale-and-offset constraints.
// Checksum: values read back after the edits, and the number of planning steps.
const { benchSync } = require('./harness');

const REQUIRED = 0;
const STRONG_PREFERRED = 1;
const PREFERRED = 2;
const STRONG_DEFAULT = 3;
const NORMAL = 4;
const WEAK_DEFAULT = 5;
const WEAKEST = 6;

const stronger = (a, b) => a < b;
const weakest = (a, b) => (a > b ? a : b);

class Variable {
  constructor(name, value) {
    this.name = name;
    this.value = value;
    this.constraints = [];
    this.determinedBy = null;
    this.walk = WEAKEST;
    this.stay = true;
    this.mark = 0;
  }
}

class Constraint {
  /** methods: [{ out, ins, compute }] — each way this constraint can be enforced. */
  constructor(solver, strength, vars, methods, isInput) {
    this.solver = solver;
    this.strength = strength;
    this.vars = vars;
    this.methods = methods;
    this.isInput = isInput;
    this.selected = null;
  }

  get satisfied() {
    return this.selected !== null;
  }

  get output() {
    return this.selected.out;
  }

  chooseMethod(mark) {
    let best = null;
    for (const m of this.methods) {
      if (m.out.mark === mark || !stronger(this.strength, m.out.walk)) continue;
      if (best === null || stronger(best.out.walk, m.out.walk)) best = m;
    }
    this.selected = best;
  }

  /** Tries to satisfy this constraint; returns the constraint it overrode, if any. */
  satisfy(mark) {
    this.chooseMethod(mark);
    if (!this.satisfied) {
      if (this.strength === REQUIRED) throw new Error('could not satisfy a required constraint');
      return null;
    }
    for (const v of this.selected.ins) v.mark = mark;
    const out = this.output;
    const overridden = out.determinedBy;
    if (overridden !== null) overridden.selected = null;
    out.determinedBy = this;
    if (!this.solver.propagateFrom(this, mark)) throw new Error('cycle in the constraint graph');
    out.mark = mark;
    return overridden;
  }

  recalculate() {
    const m = this.selected;
    let walk = this.strength;
    let stay = !this.isInput;
    for (const v of m.ins) {
      walk = weakest(walk, v.walk);
      stay = stay && v.stay;
    }
    m.out.walk = walk;
    m.out.stay = stay;
    if (stay) m.out.value = m.compute();
  }

  inputsKnown(mark) {
    return this.selected.ins.every((v) => v.mark === mark || v.stay || v.determinedBy === null);
  }

  execute() {
    this.selected.out.value = this.selected.compute();
  }
}

class Solver {
  constructor() {
    this.currentMark = 0;
    this.steps = 0;
  }

  newMark() {
    return ++this.currentMark;
  }

  add(c) {
    for (const v of c.vars) v.constraints.push(c);
    const mark = this.newMark();
    let overridden = c.satisfy(mark);
    while (overridden !== null) overridden = overridden.satisfy(mark);
    return c;
  }

  remove(c) {
    if (c.satisfied) {
      const out = c.output;
      c.selected = null;
      for (const v of c.vars) v.constraints.splice(v.constraints.indexOf(c), 1);
      const unsatisfied = this.removePropagateFrom(out);
      for (let s = REQUIRED; s <= WEAKEST; s++) {
        for (const u of unsatisfied) {
          if (u.strength !== s) continue;
          const mark = this.newMark();
          let overridden = u.satisfy(mark);
          while (overridden !== null) overridden = overridden.satisfy(mark);
        }
      }
    } else {
      for (const v of c.vars) v.constraints.splice(v.constraints.indexOf(c), 1);
    }
  }

  propagateFrom(c, mark) {
    const todo = [c];
    while (todo.length > 0) {
      const d = todo.pop();
      if (d.output.mark === mark) return false;
      d.recalculate();
      this.steps++;
      this.consumersOf(d.output, todo);
    }
    return true;
  }

  removePropagateFrom(out) {
    out.determinedBy = null;
    out.walk = WEAKEST;
    out.stay = true;
    const unsatisfied = [];
    const todo = [out];
    while (todo.length > 0) {
      const v = todo.pop();
      for (const c of v.constraints) if (!c.satisfied) unsatisfied.push(c);
      for (const next of v.constraints) {
        if (next === v.determinedBy || !next.satisfied) continue;
        next.recalculate();
        this.steps++;
        todo.push(next.output);
      }
    }
    return unsatisfied;
  }

  consumersOf(v, into) {
    for (const c of v.constraints) if (c !== v.determinedBy && c.satisfied) into.push(c);
  }

  /** The satisfied constraints downstream of the input constraints, in execution order. */
  plan(inputs) {
    const mark = this.newMark();
    const plan = [];
    const todo = inputs.filter((c) => c.isInput && c.satisfied);
    while (todo.length > 0) {
      const c = todo.pop();
      if (c.output.mark !== mark && c.inputsKnown(mark)) {
        plan.push(c);
        c.output.mark = mark;
        this.consumersOf(c.output, todo);
      }
    }
    return plan;
  }

  // Constraint makers.
  stay(v, strength) {
    return this.add(new Constraint(this, strength, [v], [{ out: v, ins: [], compute: () => v.value }], false));
  }

  edit(v, strength) {
    return this.add(new Constraint(this, strength, [v], [{ out: v, ins: [], compute: () => v.value }], true));
  }

  equal(a, b, strength) {
    return this.add(new Constraint(this, strength, [a, b], [
      { out: b, ins: [a], compute: () => a.value },
      { out: a, ins: [b], compute: () => b.value },
    ], false));
  }

  scale(src, factor, offset, dst, strength) {
    return this.add(new Constraint(this, strength, [src, factor, offset, dst], [
      { out: dst, ins: [src, factor, offset], compute: () => src.value * factor.value + offset.value },
      { out: src, ins: [dst, factor, offset], compute: () => (dst.value - offset.value) / factor.value },
    ], false));
  }
}

function runPlan(plan, v, values) {
  let sum = 0;
  for (const x of values) {
    v.value = x;
    for (const c of plan) c.execute();
    sum += x;
  }
  return sum;
}

function chain(n) {
  const s = new Solver();
  const vars = [];
  for (let i = 0; i <= n; i++) vars.push(new Variable('v' + i, 0));
  for (let i = 0; i < n; i++) s.equal(vars[i], vars[i + 1], REQUIRED);
  s.stay(vars[n], STRONG_DEFAULT);
  const edit = s.edit(vars[0], PREFERRED);
  const plan = s.plan([edit]);
  let check = 0;
  for (let i = 0; i < 100; i++) {
    runPlan(plan, vars[0], [i]);
    if (vars[n].value !== i) throw new Error('chain: propagation failed');
    check += vars[n].value;
  }
  s.remove(edit);
  return check + s.steps;
}

function projection(n) {
  const s = new Solver();
  const scale = new Variable('scale', 10);
  const offset = new Variable('offset', 1000);
  const srcs = [];
  const dsts = [];
  for (let i = 0; i < n; i++) {
    const src = new Variable('src' + i, i);
    const dst = new Variable('dst' + i, i);
    srcs.push(src);
    dsts.push(dst);
    s.stay(src, NORMAL);
    s.scale(src, scale, offset, dst, REQUIRED);
  }
  let check = 0;
  // Editing a source moves its destination.
  let e = s.edit(srcs[0], PREFERRED);
  runPlan(s.plan([e]), srcs[0], [17]);
  if (dsts[0].value !== 1170) throw new Error('projection: forward failed');
  s.remove(e);
  // Editing a destination moves its source back through the inverse method.
  e = s.edit(dsts[0], PREFERRED);
  runPlan(s.plan([e]), dsts[0], [1050]);
  if (srcs[0].value !== 5) throw new Error('projection: backward failed');
  s.remove(e);
  // Editing the scale and the offset moves every destination.
  e = s.edit(scale, PREFERRED);
  runPlan(s.plan([e]), scale, [5]);
  s.remove(e);
  e = s.edit(offset, PREFERRED);
  runPlan(s.plan([e]), offset, [2000]);
  s.remove(e);
  for (let i = 1; i < n; i++) {
    if (dsts[i].value !== i * 5 + 2000) throw new Error('projection: scale/offset edit failed at ' + i);
    check += dsts[i].value;
  }
  return check + s.steps;
}

benchSync('constraints', '18045860', () => {
  let sum = 0;
  for (let r = 0; r < 4; r++) sum += chain(1000) + projection(1000);
  return String(sum);
});
