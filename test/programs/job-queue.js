// An event-driven job queue: a hand-written emitter on prototypes, two workers, retries with backoff, once/off listeners.
'use strict';

function Emitter() {
  this.listeners = {};
}
Emitter.prototype.on = function (event, fn) {
  (this.listeners[event] = this.listeners[event] || []).push(fn);
  return this;
};
Emitter.prototype.off = function (event, fn) {
  this.listeners[event] = (this.listeners[event] || []).filter((f) => f !== fn && f.original !== fn);
  return this;
};
Emitter.prototype.once = function (event, fn) {
  const wrapper = (...args) => {
    this.off(event, wrapper);
    fn.apply(this, args);
  };
  wrapper.original = fn;
  return this.on(event, wrapper);
};
Emitter.prototype.emit = function (event, ...args) {
  for (const fn of (this.listeners[event] || []).slice()) fn.apply(this, args);
  return this;
};

function JobQueue(concurrency) {
  Emitter.call(this);
  this.concurrency = concurrency;
  this.pending = [];
  this.running = 0;
  this.finished = [];
}
JobQueue.prototype = Object.create(Emitter.prototype);
JobQueue.prototype.constructor = JobQueue;
JobQueue.prototype.add = function (job) {
  this.pending.push(Object.assign({ attempt: 1 }, job));
  setImmediate(() => this.pump());
};
JobQueue.prototype.pump = function () {
  while (this.running < this.concurrency && this.pending.length) {
    const job = this.pending.shift();
    this.running++;
    this.emit('start', job);
    setTimeout(() => this.complete(job), job.ms);
  }
  if (!this.running && !this.pending.length) this.emit('drain');
};
JobQueue.prototype.complete = function (job) {
  this.running--;
  if (job.failUntil >= job.attempt) {
    this.emit('failed', job);
    const retry = Object.assign({}, job, { attempt: job.attempt + 1, ms: job.ms + 15 * job.attempt });
    this.pending.push(retry);
  } else {
    this.finished.push(job.name);
    this.emit('done', job);
  }
  this.pump();
};

const queue = new JobQueue(2);
const counts = { start: 0, done: 0, failed: 0 };
queue.on('start', (job) => {
  counts.start++;
  console.log(`start ${job.name} (attempt ${job.attempt}, ${job.ms} ms)`);
});
queue.on('done', (job) => {
  counts.done++;
  console.log(`done  ${job.name}`);
});
queue.on('failed', (job) => {
  counts.failed++;
  console.log(`fail  ${job.name} attempt ${job.attempt}`);
});
const noisy = () => console.log('this listener was removed and must never run');
queue.on('done', noisy);
queue.off('done', noisy);
queue.once('done', (job) => console.log(`first completed job: ${job.name}`));
queue.once('drain', () => {
  console.log(`drained: ${queue.finished.join(' ')}; starts=${counts.start} done=${counts.done} failed=${counts.failed}`);
  if (queue.finished.length !== 7 || counts.failed !== 3) throw new Error('lost jobs');
  if (queue.listeners.drain.length !== 0) throw new Error('once listener was not removed');
  console.log('ok');
});

[
  // Durations chosen so that no two completions are due within 60 ms of each other.
  { name: 'resize-images', ms: 150 },
  { name: 'send-mail', ms: 75, failUntil: 1 },
  { name: 'build-index', ms: 150 },
  { name: 'thumbnail', ms: 165 },
  { name: 'charge-card', ms: 195, failUntil: 2 },
  { name: 'cleanup', ms: 165 },
  { name: 'report', ms: 285 },
].forEach((job) => queue.add(job));
