'use strict';
// An MQTT client of the test's own (mqtt.js, MQTT 5) that records agent statuses and
// program output, and can publish raw requests.
const mqtt = require('mqtt');
const { Awaitable, within } = require('./wait');

const ROOT_TOPIC = 'thingsjs/v1';

class Watcher {
  /**
   * options.persistent: a persistent session (fixed client id, clean start off, long session
   * expiry) that reconnects by itself: with a broker that persists sessions, messages
   * published while the broker was down and the watcher not yet back are kept for it.
   * options.mqtt: more mqtt.js options (username, password, TLS...).
   */
  constructor(url, options = {}) {
    this.url = url;
    this.options = options;
    this.messages = new Awaitable();
    this.status = new Map();
  }

  async start() {
    const persistent = this.options.persistent
      ? { clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 100, clientId: `e2e-watcher-${process.pid}-persistent` }
      : {};
    this.client = mqtt.connect(this.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: `e2e-watcher-${process.pid}-${Date.now()}`, ...persistent, ...(this.options.mqtt || {}) });
    await within(new Promise((resolve, reject) => {
      this.client.once('connect', resolve);
      this.client.once('error', reject);
    }), 10000, 'the test MQTT client to connect');
    this.client.on('message', (topic, payload, packet) => {
      let json;
      try {
        json = payload.length ? JSON.parse(payload.toString()) : null;
      } catch {
        json = undefined;
      }
      const m = /^thingsjs\/v1\/agents\/([^/]+)\/status$/.exec(topic);
      if (m && json) this.status.set(m[1], json);
      this.messages.push({ topic, json, packet, text: payload.toString() });
    });
    await this.client.subscribeAsync([`${ROOT_TOPIC}/agents/+/status`, `${ROOT_TOPIC}/procs/+/out`, `${ROOT_TOPIC}/clients/e2e/#`], { qos: 1 });
  }

  stop() {
    return new Promise((resolve) => this.client.end(true, {}, resolve));
  }

  /** The output messages of one process so far: [{agent, stream, data}]. */
  output(id) {
    return this.messages.items.filter((m) => m.topic === `${ROOT_TOPIC}/procs/${id}/out` && m.json).map((m) => m.json);
  }

  untilOutput(id, pred, timeoutMs, what) {
    return this.messages.until((m) => m.topic === `${ROOT_TOPIC}/procs/${id}/out` && m.json && pred(m.json), timeoutMs, what);
  }

  /** Resolves with the agent status once `pred(status)` holds. */
  untilStatus(agent, pred, timeoutMs, what) {
    const current = this.status.get(agent);
    if (current && pred(current)) return Promise.resolve(current);
    return this.messages
      .until((m) => m.topic === `${ROOT_TOPIC}/agents/${agent}/status` && m.json && pred(m.json), timeoutMs, what, this.messages.items.length)
      .then((m) => m.json);
  }

  /** Resolves with the process record `id` on `agent` once `pred(record)` holds. */
  untilProcess(agent, id, pred, timeoutMs, what) {
    const find = (s) => (s.processes || []).find((p) => p.id === id);
    return this.untilStatus(agent, (s) => find(s) && pred(find(s)), timeoutMs, what).then(find);
  }

  /** Publishes a raw payload on an agent's request topic and waits for the reply on our
   *  reply topic (given as an MQTT 5 response topic, and in the payload if it is an object). */
  async rawRequest(agent, payload, { correlationId, timeoutMs = 10000, inPayload = true } = {}) {
    const replyTo = `${ROOT_TOPIC}/clients/e2e/reply`;
    const corr = correlationId || `e2e-${Math.random().toString(36).slice(2)}`;
    let body = payload;
    if (inPayload && payload && typeof payload === 'object') body = JSON.stringify({ v: 1, correlationId: corr, replyTo, ...payload });
    else if (typeof payload !== 'string') body = JSON.stringify(payload);
    const from = this.messages.items.length;
    await this.client.publishAsync(`${ROOT_TOPIC}/agents/${agent}/req`, body, { qos: 1, properties: { responseTopic: replyTo, correlationData: Buffer.from(corr) } });
    const m = await this.messages.until(
      // MQTT 5 replies carry the correlation data; 3.1.1 ones only the payload's correlationId.
      // Progress messages (a migration's) carry the correlation id too, but no `ok`.
      (x) => x.topic === replyTo && !(x.json && x.json.progress && x.json.ok === undefined) && ((x.packet.properties && x.packet.properties.correlationData && x.packet.properties.correlationData.toString() === corr) || (x.json && x.json.correlationId === corr)),
      timeoutMs,
      `a reply from ${agent} to ${String(body).slice(0, 60)}`,
      from,
    );
    return m.json;
  }
}

module.exports = { Watcher };
