/**
 * TextEncoder / TextDecoder (globals and `util`), with instances a snapshot can hold.
 *
 * Node keeps their state under its own private symbols (and a decoder's converter in a
 * native handle), so a restored copy fails Node's brand checks, and the symbols differ
 * between Node versions. These classes keep the state under registered symbols (a snapshot
 * names them, `Symbol.for`, so instances, subclassed ones too, are ordinary heap state) and
 * do the work with a Node instance made on demand, so every result and error is Node's. A decoder in the middle of a `{ stream: true }` sequence has
 * bytes inside Node: its stream field then holds that Node decoder and a capture fails on it
 * (E_NOT_CAPTURABLE) rather than lose them.
 */
import { inspect } from 'node:util';

type NodeDecoder = { decode(...a: unknown[]): string; encoding: string; fatal: boolean; ignoreBOM: boolean };
type NodeEncoder = { encode(...a: unknown[]): Uint8Array; encodeInto(src: unknown, dest: unknown): unknown };

const kEncoder = Symbol.for('thingsjs.TextEncoder');
const kEncoding = Symbol.for('thingsjs.TextDecoder.encoding');
const kFatal = Symbol.for('thingsjs.TextDecoder.fatal');
const kIgnoreBOM = Symbol.for('thingsjs.TextDecoder.ignoreBOM');
const kStream = Symbol.for('thingsjs.TextDecoder.stream (bytes inside Node.js)');

const hasOwn = (o: unknown, k: symbol): boolean => (typeof o === 'object' || typeof o === 'function') && o !== null && Object.prototype.hasOwnProperty.call(o, k);

/** Node's getConstructorOf: the first named `constructor` up the prototype chain. */
function constructorOf(obj: unknown): { name: string } | null {
  let o = obj as object | null;
  while (o) {
    const d = Object.getOwnPropertyDescriptor(o, 'constructor');
    if (d !== undefined && typeof d.value === 'function' && d.value.name !== '') return d.value;
    o = Object.getPrototypeOf(o);
  }
  return null;
}

let installed = false;

export function installTextCoding(g: Record<string, unknown>, util: Record<string, unknown>): void {
  if (installed) return;
  installed = true;
  const NodeTextDecoder = g.TextDecoder as new (...a: unknown[]) => NodeDecoder;
  const NodeTextEncoder = g.TextEncoder as new () => NodeEncoder;
  if (typeof NodeTextDecoder !== 'function' || typeof NodeTextEncoder !== 'function') return;
  const nodeDecoderProto = NodeTextDecoder.prototype as unknown as Record<string | symbol, unknown>;
  const nodeEncoderProto = NodeTextEncoder.prototype as unknown as Record<string | symbol, unknown>;
  const nodeGetter = (proto: object, key: string): ((this: unknown) => unknown) => Object.getOwnPropertyDescriptor(proto, key)?.get as (this: unknown) => unknown;
  const natives = new WeakMap<object, NodeDecoder>();
  let sharedEncoder: NodeEncoder | undefined;

  type Dec = Record<symbol, unknown>;
  /** The Node decoder doing this one's work (made again after a restore). */
  function nodeDecoder(d: Dec): NodeDecoder {
    let n = natives.get(d);
    if (!n) {
      n = new NodeTextDecoder(d[kEncoding], { fatal: d[kFatal], ignoreBOM: d[kIgnoreBOM] });
      natives.set(d, n);
    }
    return n;
  }

  class TextDecoder {
    constructor(...args: unknown[]) {
      const n = new NodeTextDecoder(...args); // Node's argument checks and errors
      const d = this as unknown as Dec;
      d[kEncoding] = n.encoding;
      d[kFatal] = n.fatal;
      d[kIgnoreBOM] = n.ignoreBOM;
      d[kStream] = undefined;
      natives.set(d, n);
    }
    decode(...args: unknown[]): string {
      if (!hasOwn(this, kEncoding)) return Reflect.apply(nodeDecoderProto.decode as () => string, this, args);
      const d = this as unknown as Dec;
      const n = nodeDecoder(d);
      const options = args[1] as { stream?: unknown } | null | undefined;
      if (options?.stream) d[kStream] = n;
      const s = n.decode(...args);
      if (!options?.stream) d[kStream] = undefined;
      return s;
    }
    get encoding(): unknown {
      return hasOwn(this, kEncoding) ? (this as unknown as Dec)[kEncoding] : Reflect.apply(nodeGetter(nodeDecoderProto, 'encoding'), this, []);
    }
    get fatal(): unknown {
      return hasOwn(this, kEncoding) ? (this as unknown as Dec)[kFatal] : Reflect.apply(nodeGetter(nodeDecoderProto, 'fatal'), this, []);
    }
    get ignoreBOM(): unknown {
      return hasOwn(this, kEncoding) ? (this as unknown as Dec)[kIgnoreBOM] : Reflect.apply(nodeGetter(nodeDecoderProto, 'ignoreBOM'), this, []);
    }
    [inspect.custom](depth: unknown, opts: unknown): unknown {
      if (!hasOwn(this, kEncoding)) return Reflect.apply(nodeDecoderProto[inspect.custom] as () => unknown, this, [depth, opts]);
      if (typeof depth === 'number' && depth < 0) return this;
      const constructor = constructorOf(this) || TextDecoder;
      const obj = Object.create({ constructor }) as Record<string, unknown>;
      obj.encoding = this.encoding;
      obj.fatal = this.fatal;
      obj.ignoreBOM = this.ignoreBOM;
      return `${constructor.name} ${inspect(obj)}`;
    }
  }

  class TextEncoder {
    constructor() {
      (this as unknown as Dec)[kEncoder] = true;
    }
    get encoding(): unknown {
      return hasOwn(this, kEncoder) ? 'utf-8' : Reflect.apply(nodeGetter(nodeEncoderProto, 'encoding'), this, []);
    }
    encode(...args: unknown[]): Uint8Array {
      if (!hasOwn(this, kEncoder)) return Reflect.apply(nodeEncoderProto.encode as () => Uint8Array, this, args);
      return (sharedEncoder ??= new NodeTextEncoder()).encode(...args);
    }
    encodeInto(src: unknown, dest: unknown): unknown {
      if (!hasOwn(this, kEncoder)) return Reflect.apply(nodeEncoderProto.encodeInto as () => unknown, this, [src, dest]);
      return (sharedEncoder ??= new NodeTextEncoder()).encodeInto(src, dest);
    }
    [inspect.custom](depth: unknown, opts: unknown): unknown {
      if (!hasOwn(this, kEncoder)) return Reflect.apply(nodeEncoderProto[inspect.custom] as () => unknown, this, [depth, opts]);
      if (typeof depth === 'number' && depth < 0) return this;
      const ctor = constructorOf(this);
      const obj = Object.create({ constructor: ctor === null ? TextEncoder : ctor }) as Record<string, unknown>;
      obj.encoding = this.encoding;
      return inspect(obj, opts as object);
    }
  }

  // Node's property layout: methods and getters enumerable, the inspect hook not, a tag.
  for (const [C, tagName] of [[TextDecoder, 'TextDecoder'], [TextEncoder, 'TextEncoder']] as const) {
    for (const key of Reflect.ownKeys(C.prototype)) {
      if (key === 'constructor' || key === inspect.custom) continue;
      Object.defineProperty(C.prototype, key, { enumerable: true });
    }
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: tagName, writable: false, enumerable: false, configurable: true });
    // The bundler may rename a class that shadows a global (TextDecoder2): inspect shows `name`.
    Object.defineProperty(C, 'name', { value: tagName, configurable: true });
  }

  const replace = (o: Record<string, unknown>, name: string, value: unknown): void => {
    const d = Object.getOwnPropertyDescriptor(o, name);
    Object.defineProperty(o, name, { value, writable: true, enumerable: d?.enumerable ?? false, configurable: true });
  };
  replace(g, 'TextDecoder', TextDecoder);
  replace(g, 'TextEncoder', TextEncoder);
  replace(util, 'TextDecoder', TextDecoder);
  replace(util, 'TextEncoder', TextEncoder);
}
