/**
 * Virtual timers: setTimeout/setInterval/setImmediate as the program sees them.
 *
 * Every pending timer is a VirtualTimer kept in `pending` (creation order) with its due
 * time on a virtual clock that stops while the program is paused. That is what lets a
 * capture record each timer's remaining delay, and a restore re-arm it on another machine.
 * The native timer behind each one is an implementation detail, re-created on resume.
 */
import { monotonicMs } from '../shared/clock';

const native = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
};
export const nativeTimers = native;

const TIMEOUT_MAX = 2 ** 31 - 1;

export type TimerKind = 'timeout' | 'interval' | 'immediate';

let nextId = 1;

/** The handle the program holds. Mirrors Node's Timeout / Immediate public methods. */
export class VirtualTimer {
  /** @internal */ _kind: TimerKind;
  /** @internal */ _callback: (...args: unknown[]) => unknown;
  /** @internal */ _args: unknown[];
  /** @internal */ _delay: number;
  /** @internal */ _due: number;
  /** @internal */ _ref = true;
  /** @internal */ _id: number;
  /** @internal */ _native: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null = null;
  /** @internal */ _scheduler: TimerScheduler;

  constructor(scheduler: TimerScheduler, kind: TimerKind, callback: (...args: unknown[]) => unknown, args: unknown[], delay: number, id = nextId++) {
    this._scheduler = scheduler;
    this._kind = kind;
    this._callback = callback;
    this._args = args;
    this._delay = delay;
    this._due = scheduler.now() + delay;
    this._id = id;
    if (id >= nextId) nextId = id + 1;
  }

  ref(): this {
    this._ref = true;
    const n = this._native as { ref?: () => void } | null;
    n?.ref?.();
    return this;
  }
  unref(): this {
    this._ref = false;
    const n = this._native as { unref?: () => void } | null;
    n?.unref?.();
    return this;
  }
  hasRef(): boolean {
    return this._ref;
  }
  refresh(): this {
    // As in Node: restarts a pending timer, and reactivates one that already fired (even
    // from its own callback); a cleared timer stays cleared.
    if (this._kind !== 'immediate' && !this._cleared) {
      this._due = this._scheduler.now() + this._delay;
      if (this._scheduler.pending.has(this)) this._scheduler.rearm(this);
      else this._scheduler.add(this);
    }
    return this;
  }
  /** @internal */ _cleared = false;
  close(): this {
    this._scheduler.clear(this);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this._id;
  }
}

export interface TurnHooks {
  /** Called after each program callback returns (a macrotask of the program). */
  afterTurn?: () => void;
}

export class TimerScheduler {
  readonly pending = new Set<VirtualTimer>();
  private readonly byId = new Map<number, VirtualTimer>();
  private paused = false;
  private pausedAt = 0;
  private skew = 0;
  private keepAlive: ReturnType<typeof setInterval> | null = null;
  private deferredArm: ReturnType<typeof setImmediate> | null = null;
  hooks: TurnHooks = {};

  /** The virtual clock, in ms: stands still while paused. */
  now(): number {
    return (this.paused ? this.pausedAt : monotonicMs()) - this.skew;
  }

  isPaused(): boolean {
    return this.paused;
  }

  create(kind: TimerKind, callback: unknown, args: unknown[], delay: unknown): VirtualTimer {
    if (typeof callback !== 'function') {
      const err = new TypeError(`The "callback" argument must be of type function. Received ${callback === null ? 'null' : typeof callback}`);
      (err as { code?: string }).code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    let ms = 0;
    if (kind !== 'immediate') {
      ms = Number(delay);
      if (!(ms >= 1 && ms <= TIMEOUT_MAX)) ms = 1;
    }
    const t = new VirtualTimer(this, kind, callback as (...a: unknown[]) => unknown, args, ms);
    this.add(t);
    return t;
  }

  /** Registers a timer (new or restored) and arms it unless paused. */
  add(t: VirtualTimer): void {
    this.pending.add(t);
    this.byId.set(t._id, t);
    if (!this.paused) this.arm(t);
  }

  clear(t: unknown): void {
    let timer: VirtualTimer | undefined;
    if (t instanceof VirtualTimer) timer = t;
    else if (typeof t === 'number' || typeof t === 'string') timer = this.byId.get(Number(t));
    if (!timer) return;
    timer._cleared = true;
    if (!this.pending.has(timer)) return;
    this.disarm(timer);
    this.pending.delete(timer);
    this.byId.delete(timer._id);
  }

  rearm(t: VirtualTimer): void {
    this.disarm(t);
    if (!this.paused) this.arm(t);
  }

  /** `now`: one reading for a batch (Node starts every timer armed in one turn from the same
   *  loop time; fresh readings would give later-armed timers shorter waits and, after a
   *  stall, reorder them). */
  private arm(t: VirtualTimer, now = this.now()): void {
    if (t._kind === 'immediate') {
      t._native = native.setImmediate(() => this.fire(t));
    } else {
      const wait = Math.max(1, t._due - now);
      t._native = native.setTimeout(() => this.fire(t), wait);
    }
    if (!t._ref) (t._native as { unref(): void }).unref();
  }

  private disarm(t: VirtualTimer): void {
    if (!t._native) return;
    if (t._kind === 'immediate') native.clearImmediate(t._native as ReturnType<typeof setImmediate>);
    else native.clearTimeout(t._native as ReturnType<typeof setTimeout>);
    t._native = null;
  }

  private fire(t: VirtualTimer): void {
    t._native = null;
    if (t._kind === 'interval') {
      t._due = this.now() + t._delay;
    } else {
      this.pending.delete(t);
      this.byId.delete(t._id);
    }
    try {
      t._callback.apply(t, t._args);
    } finally {
      if (t._kind === 'interval' && this.pending.has(t) && !t._native && !this.paused) this.arm(t);
      this.hooks.afterTurn?.();
    }
  }

  /** Stops every native timer; the virtual clock stands still until resume(). The process
   *  is kept alive meanwhile (a paused program is not a finished one). */
  pause(keepAlive = true): void {
    if (this.paused) return;
    this.pausedAt = monotonicMs();
    this.paused = true;
    if (this.deferredArm) native.clearImmediate(this.deferredArm);
    this.deferredArm = null;
    for (const t of this.pending) this.disarm(t);
    if (keepAlive) this.keepAlive = native.setInterval(() => undefined, 1 << 30);
  }

  resume(): void {
    if (!this.paused) return;
    this.skew += monotonicMs() - this.pausedAt;
    this.paused = false;
    if (this.keepAlive) native.clearInterval(this.keepAlive);
    this.keepAlive = null;
    // Pending immediates were queued for the check phase that comes before the next timers
    // phase: they run first, then the timers are armed. Arming both at once would race a
    // due timer against the immediates (the setTimeout-0-vs-setImmediate race of Node).
    const timers: VirtualTimer[] = [];
    let immediates = 0;
    for (const t of this.pending) {
      if (t._kind === 'immediate') {
        this.arm(t);
        immediates++;
      } else timers.push(t);
    }
    if (!timers.length) return;
    // Due order: timers that fell due during the pause then fire in the order they would
    // have (armed with the same 1 ms wait, Node runs them in the order they were armed).
    timers.sort((a, b) => a._due - b._due);
    if (!immediates) {
      const now = this.now();
      for (const t of timers) this.arm(t, now);
      return;
    }
    this.deferredArm = native.setImmediate(() => {
      this.deferredArm = null;
      if (this.paused) return;
      const now = this.now();
      for (const t of timers) if (this.pending.has(t) && !t._native) this.arm(t, now);
    });
  }

  /** Drops every timer and the keep-alive (a restore that failed). */
  abandon(): void {
    for (const t of this.pending) this.disarm(t);
    this.pending.clear();
    this.byId.clear();
    if (this.keepAlive) native.clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  /** Installs the virtual timer functions as the program's globals (and in 'timers'). */
  install(target: Record<string, unknown>): void {
    const self = this;
    const api = {
      setTimeout: function setTimeout(cb: unknown, ms?: unknown, ...args: unknown[]) {
        return self.create('timeout', cb, args, ms);
      },
      setInterval: function setInterval(cb: unknown, ms?: unknown, ...args: unknown[]) {
        return self.create('interval', cb, args, ms);
      },
      setImmediate: function setImmediate(cb: unknown, ...args: unknown[]) {
        return self.create('immediate', cb, args, 0);
      },
      clearTimeout: function clearTimeout(t: unknown) {
        self.clear(t);
      },
      clearInterval: function clearInterval(t: unknown) {
        self.clear(t);
      },
      clearImmediate: function clearImmediate(t: unknown) {
        self.clear(t);
      },
    };
    Object.assign(target, api);
    this.api = api;
  }
  api: Record<string, unknown> = {};
}
