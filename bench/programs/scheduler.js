'use strict';
// An operating-system kernel simulation in the spirit of Richards: a priority scheduler of
// task control blocks that exchange message packets. An idle task drives two disk
// controllers in a pseudo-random order; a spooler fills job packets and hands them to two
// print handlers; each handler pairs a job with a device-request packet and feeds the job's
// bytes to its device one at a time; devices suspend themselves while "printing".
// Checksum: the number of packet hand-offs and of suspensions, and the bytes printed.
const { benchSync } = require('./harness');

const RUNNABLE = 1; // has a packet waiting or was woken
const WAITING = 2; // blocked until a packet arrives
const SUSPENDED = 4; // held by another task
const WAKEABLE = ['diskA', 'diskB', 'deviceA', 'deviceB'];

class Packet {
  constructor(next, destination, kind) {
    this.next = next;
    this.destination = destination;
    this.kind = kind; // 'job' or 'device'
    this.slot = 0;
    this.bytes = [0, 0, 0, 0];
  }

  appendTo(queue) {
    this.next = null;
    if (queue === null) return this;
    let p = queue;
    while (p.next !== null) p = p.next;
    p.next = this;
    return queue;
  }
}

class Task {
  constructor(kernel, id, priority, inbox, state) {
    this.kernel = kernel;
    this.id = id;
    this.priority = priority;
    this.inbox = inbox;
    this.state = state;
    this.nextInList = null;
  }

  get ready() {
    return (this.state & SUSPENDED) === 0 && ((this.state & RUNNABLE) !== 0 || ((this.state & WAITING) === 0 && this.inbox === null)) ;
  }

  takePacket() {
    const p = this.inbox;
    this.inbox = p.next;
    if (this.inbox === null) this.state &= ~RUNNABLE;
    return p;
  }

  /** Delivers a packet; returns the task to run next (the receiver if it outranks this one). */
  deliver(packet, current) {
    if (this.inbox === null) {
      this.inbox = packet;
      packet.next = null;
      this.state |= RUNNABLE;
      this.state &= ~WAITING;
      if (this.priority > current.priority) return this;
    } else {
      this.inbox = packet.appendTo(this.inbox);
    }
    return current;
  }
}

class IdleTask extends Task {
  constructor(kernel, id, rounds) {
    super(kernel, id, 0, null, RUNNABLE);
    this.seed = 1;
    this.rounds = rounds;
  }

  step() {
    if (--this.rounds === 0) return this.kernel.suspendCurrent();
    // A 16-bit Galois LFSR picks what to wake: a disk, or a device holding a printed byte.
    for (let k = 0; k < 2; k++) {
      const bit = this.seed & 1;
      this.seed >>= 1;
      if (bit) this.seed ^= 0xb400;
    }
    return this.kernel.wake(WAKEABLE[this.seed & 3]);
  }
}

class SpoolerTask extends Task {
  constructor(kernel, id, inbox) {
    super(kernel, id, 1000, inbox, RUNNABLE);
    this.turn = 0;
    this.letter = 0;
  }

  step(packet) {
    if (packet === null) return this.kernel.waitForPacket();
    this.turn ^= 1;
    packet.destination = this.turn ? 'printerA' : 'printerB';
    packet.slot = 0;
    for (let i = 0; i < packet.bytes.length; i++) {
      packet.bytes[i] = 65 + this.letter;
      this.letter = (this.letter + 1) % 26;
    }
    return this.kernel.send(packet, packet.destination);
  }
}

class PrintHandler extends Task {
  constructor(kernel, id, device, inbox) {
    super(kernel, id, 2000 + (id === 'printerA' ? 0 : 1), inbox, RUNNABLE);
    this.device = device;
    this.jobs = null;
    this.requests = null;
    this.busy = false; // one request at the device at a time
  }

  step(packet) {
    if (packet !== null) {
      if (packet.kind === 'job') this.jobs = packet.appendTo(this.jobs);
      else {
        this.requests = packet.appendTo(this.requests);
        if (packet.slot !== 0) this.busy = false;
      }
    }
    if (this.jobs !== null) {
      const job = this.jobs;
      if (job.slot >= job.bytes.length) {
        this.jobs = job.next;
        return this.kernel.send(job, 'spooler');
      }
      if (this.requests !== null && !this.busy) {
        this.busy = true;
        const req = this.requests;
        this.requests = req.next;
        req.slot = job.bytes[job.slot++];
        return this.kernel.send(req, this.device);
      }
    }
    return this.kernel.waitForPacket();
  }
}

class DeviceTask extends Task {
  constructor(kernel, id, handler) {
    super(kernel, id, 4000, null, WAITING);
    this.handler = handler;
    this.printing = null;
  }

  step(packet) {
    if (packet === null) {
      if (this.printing === null) return this.kernel.waitForPacket();
      const done = this.printing;
      this.printing = null;
      return this.kernel.send(done, this.handler);
    }
    this.printing = packet;
    this.kernel.printed += packet.slot;
    return this.kernel.holdCurrent();
  }
}

class DiskTask extends Task {
  constructor(kernel, id) {
    super(kernel, id, 3000, null, SUSPENDED);
    this.reads = 0;
  }

  step() {
    this.reads++;
    return this.kernel.holdCurrent();
  }
}

class Kernel {
  constructor() {
    this.tasks = new Map();
    this.list = null;
    this.current = null;
    this.sends = 0;
    this.holds = 0;
    this.printed = 0;
  }

  add(task) {
    this.tasks.set(task.id, task);
    // Keep the run list sorted by priority, highest first.
    if (this.list === null || task.priority > this.list.priority) {
      task.nextInList = this.list;
      this.list = task;
      return;
    }
    let t = this.list;
    while (t.nextInList !== null && t.nextInList.priority >= task.priority) t = t.nextInList;
    task.nextInList = t.nextInList;
    t.nextInList = task;
  }

  run() {
    let t = this.list;
    while (t !== null) {
      if (t.ready) {
        this.current = t;
        const packet = (t.state & RUNNABLE) !== 0 && t.inbox !== null ? t.takePacket() : null;
        t = t.step(packet);
      } else {
        t = t.nextInList;
      }
    }
  }

  send(packet, to) {
    this.sends++;
    const task = this.tasks.get(to);
    return task.deliver(packet, this.current);
  }

  waitForPacket() {
    this.current.state |= WAITING;
    return this.current;
  }

  holdCurrent() {
    this.holds++;
    this.current.state |= SUSPENDED;
    return this.current.nextInList;
  }

  suspendCurrent() {
    this.current.state |= SUSPENDED;
    return this.current.nextInList;
  }

  wake(id) {
    const task = this.tasks.get(id);
    if (task instanceof DeviceTask && task.printing === null) return this.current;
    task.state &= ~SUSPENDED;
    return task.priority > this.current.priority ? task : this.current;
  }
}

function simulate(rounds) {
  const k = new Kernel();
  k.add(new IdleTask(k, 'idle', rounds));
  let jobs = null;
  for (let i = 0; i < 3; i++) jobs = new Packet(jobs, 'spooler', 'job');
  k.add(new SpoolerTask(k, 'spooler', jobs));
  let reqsA = null;
  let reqsB = null;
  for (let i = 0; i < 3; i++) {
    reqsA = new Packet(reqsA, 'printerA', 'device');
    reqsB = new Packet(reqsB, 'printerB', 'device');
  }
  k.add(new PrintHandler(k, 'printerA', 'deviceA', reqsA));
  k.add(new PrintHandler(k, 'printerB', 'deviceB', reqsB));
  k.add(new DeviceTask(k, 'deviceA', 'printerA'));
  k.add(new DeviceTask(k, 'deviceB', 'printerB'));
  k.add(new DiskTask(k, 'diskA'));
  k.add(new DiskTask(k, 'diskB'));
  k.run();
  const reads = k.tasks.get('diskA').reads + k.tasks.get('diskB').reads;
  return `${k.sends}/${k.holds}/${k.printed}/${reads}`;
}

benchSync('scheduler', '83098/68247/2575964/35008', () => simulate(70000));
