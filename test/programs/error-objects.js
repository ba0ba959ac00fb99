// Error objects kept across turns: every built-in error type, stack strings read before and after a cut (unchanged), cause
// chains, AggregateError.errors, extra properties (code, errno), errors thrown and caught later from a retained list.
'use strict';

function makeError(kind, i) {
  switch (kind) {
    case 'Error': return new Error(`plain ${i}`);
    case 'TypeError': try { null.x; } catch (e) { return e; } break; // eslint-disable-line no-unused-expressions
    case 'RangeError': try { new Array(-1); } catch (e) { return e; } break;
    case 'SyntaxError': try { JSON.parse('{bad'); } catch (e) { return e; } break;
    case 'ReferenceError': try { undefinedVariable; } catch (e) { return e; } break; // eslint-disable-line no-undef
    case 'EvalError': return new EvalError(`eval ${i}`);
    case 'URIError': try { decodeURIComponent('%'); } catch (e) { return e; } break;
    case 'AggregateError': return new AggregateError([new Error('inner a'), new TypeError('inner b')], `aggregate ${i}`);
  }
  throw new Error('unknown kind');
}

const kinds = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError'];
const kept = [];
const stacks = new Map(); // error -> stack string read at creation
let turn = 0;

function step() {
  turn++;
  const kind = kinds[(turn - 1) % kinds.length];
  const e = makeError(kind, turn);
  if (turn % 3 === 0) e.code = `E_CODE_${turn}`;
  if (turn % 4 === 0) e.details = { turn, tags: ['x', 'y'] };
  stacks.set(e, e.stack);
  kept.push(e);
  const wrapped = new Error(`wrapped ${kind}`, { cause: e });
  wrapped.cause.seenBy = (wrapped.cause.seenBy || 0) + 1;
  kept.push(wrapped);
  stacks.set(wrapped, wrapped.stack);
  // rethrow an error created in an earlier turn (possibly before a cut) and catch it again
  let rethrown;
  try {
    throw kept[(turn * 5) % kept.length];
  } catch (err) {
    rethrown = err;
  }
  // JSON.parse's message differs between Node versions: only its presence is printed
  const message = (x) => (x instanceof SyntaxError ? `<${x.message.length > 0 ? 'message' : 'empty'}>` : x.message);
  console.log(`turn ${turn}: ${e.name}: ${message(e)} | code=${e.code || '-'} | rethrown ${rethrown.name}: ${message(rethrown)}${rethrown.cause ? ` (cause ${rethrown.cause.name})` : ''}`);
  if (turn < 16) setTimeout(step, 30);
  else finish();
}

function finish() {
  for (const e of kept) {
    if (!(e instanceof Error) || e.stack !== stacks.get(e)) throw new Error(`stack of ${e.name} changed`);
    if (!e.stack.startsWith(`${e.name}: ${e.message}\n    at `)) throw new Error('stack header wrong: ' + e.stack.split('\n')[0]);
    if (Object.prototype.toString.call(e) !== '[object Error]' || Object.getPrototypeOf(e) !== globalThis[e.name].prototype) throw new Error('kind lost');
    const d = Object.getOwnPropertyDescriptor(e, 'message');
    if (!d || d.enumerable || !d.writable) throw new Error('message descriptor lost');
    if ('stack' in e === false || Object.keys(e).some((k) => k === 'stack' || k === 'message')) throw new Error('stack/message became enumerable');
  }
  const agg = kept.find((e) => e instanceof AggregateError);
  if (agg.errors.length !== 2 || !(agg.errors[1] instanceof TypeError)) throw new Error('AggregateError.errors lost');
  if (kept[1].cause !== kept[0] || kept[0].seenBy !== 1 || kept[6].details.turn !== 4) throw new Error('cause or props lost');
  const stackLines = kept.map((e) => e.stack.split('\n').length >= 2).every(Boolean);
  console.log(`kept ${kept.length} errors, all with stacks: ${stackLines}; own keys ${Object.keys(kept[22]).join(',')}`);
  console.log('ok');
}

setTimeout(step, 30);
