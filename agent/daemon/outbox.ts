/**
 * Messages held while the broker is unreachable, bounded in count and bytes.
 *
 * Program output goes on while the agent is offline; the outbox keeps the newest of it and
 * gives it back in order once the session is up again (`take`, in chunks). When a limit is
 * reached the oldest message goes, and the loss is counted per key (a process id): `take()`
 * puts a marker before the first message that survived for that key (or at the end when
 * none did), so a reader of the stream sees where lines are missing and how many. The
 * device log has every line regardless.
 */

export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
}

export interface OutboxItem {
  /** What losses are counted by (the process id). */
  key: string;
  topic: string;
  payload: string;
}

export interface Dropped {
  messages: number;
  bytes: number;
}

interface Held extends OutboxItem {
  bytes: number;
}

export class Outbox {
  private items: Held[] = [];
  /** Index of the oldest held item (items before it are gone). */
  private head = 0;
  private heldBytes = 0;
  private readonly dropped = new Map<string, Dropped>();

  constructor(private readonly limits: OutboxLimits) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** Nothing held and no loss left to report. */
  get empty(): boolean {
    return this.size === 0 && this.dropped.size === 0;
  }

  /** Holds a message; drops the oldest ones while over a limit. Returns how many it dropped. */
  push(item: OutboxItem): number {
    const bytes = Buffer.byteLength(item.payload);
    this.items.push({ ...item, bytes });
    this.heldBytes += bytes;
    let dropped = 0;
    while (this.size > 0 && (this.size > this.limits.maxMessages || this.heldBytes > this.limits.maxBytes)) {
      const old = this.shift();
      const d = this.dropped.get(old.key) ?? { messages: 0, bytes: 0 };
      d.messages += 1;
      d.bytes += old.bytes;
      this.dropped.set(old.key, d);
      dropped += 1;
    }
    return dropped;
  }

  /**
   * Takes up to `max` of the oldest messages, in order, with a marker (made by `marker`)
   * before the first one of a key that lost messages; markers of keys with nothing left come
   * once the outbox is empty.
   */
  take(max: number, marker: (key: string, dropped: Dropped) => OutboxItem): OutboxItem[] {
    const out: OutboxItem[] = [];
    for (let n = 0; n < max && this.size > 0; n++) {
      const { key, topic, payload } = this.shift();
      const d = this.dropped.get(key);
      if (d) {
        out.push(marker(key, d));
        this.dropped.delete(key);
      }
      out.push({ key, topic, payload });
    }
    if (this.size === 0) {
      for (const [key, d] of this.dropped) out.push(marker(key, d));
      this.dropped.clear();
    }
    return out;
  }

  private shift(): Held {
    const item = this.items[this.head];
    this.items[this.head] = undefined as unknown as Held;
    this.head += 1;
    this.heldBytes -= item.bytes;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
