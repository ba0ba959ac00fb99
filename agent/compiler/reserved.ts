/**
 * Every identifier the compiler emits starts with RESERVED_PREFIX; programs that use the
 * prefix themselves are rejected, so emitted names can never collide with the program's.
 */
export const RESERVED_PREFIX = '$tjs_';

/** Marks identifiers a normalize pass creates (before analysis), which may use the prefix. */
export const GENERATED = Symbol('thingsjs.generated');

/** Marks classes whose private names some method reaches through the runtime (normalize:
 *  lower-member-private-super); their reflector gets a table of accessors. */
export const PRIVATE_TABLE = Symbol('thingsjs.privateTable');

/** First line of every instrumented file; its presence makes instrumenting a no-op. */
export const INSTRUMENTED_MARKER = '/* thingsjs-instrumented v1 */';

/** The version of the code shape the compiler emits (the runtime refuses versions it does not
 *  know). 2: closures of member -1 with up to two envs are stamped `new K(fn, factory,
 *  ...envs)`, with no record array; three stamping classes ($tjs_K, $tjs_KF, $tjs_KC). */
export const CODE_VERSION = 2;

export const names = {
  /** The runtime namespace object, taken from globalThis by the module prologue. */
  runtime: `${RESERVED_PREFIX}rt`,
  /** The per-module handle returned by the runtime. */
  module: `${RESERVED_PREFIX}m`,
  /** The class that stamps each closure with its [factory, member, ...envs] record (a
   *  private field: invisible to the program, to util.inspect and to Reflect.ownKeys). */
  metaKey: `${RESERVED_PREFIX}K`,
  /** The same for functions with a prototype, and for classes and the rest (code version 2:
   *  one stamping class per kind of hidden class; runtime ClosureTag). */
  functionTag: `${RESERVED_PREFIX}KF`,
  otherTag: `${RESERVED_PREFIX}KC`,
  /** The module's top-level code, as a function the runtime calls unless restoring. */
  main: `${RESERVED_PREFIX}main`,
  env: (scopeId: number) => `${RESERVED_PREFIX}e${scopeId}`,
  factory: (unitId: number) => `${RESERVED_PREFIX}f${unitId}`,
  temp: (n: number) => `${RESERVED_PREFIX}t${n}`,
  /** Env record fields holding a function's `this` and `arguments` for its arrows. */
  thisField: `${RESERVED_PREFIX}this`,
  argsField: `${RESERVED_PREFIX}args`,
} as const;

/** The global under which the host installs the runtime. */
export const RUNTIME_GLOBAL = '$tjs_runtime';
