// A program with vendored dependencies in its own node_modules/, which keep module state.
'use strict';
const { createCache, stats } = require('tiny-lru');
const nextId = require('seq-id');

const cache = createCache(3);
let i = 0;
const keys = ['a', 'b', 'c', 'a', 'd', 'b', 'e', 'a', 'c', 'f', 'a', 'b'];
const timer = setInterval(() => {
  const k = keys[i++];
  const hit = cache.get(k);
  if (hit === undefined) cache.set(k, nextId(k));
  console.log(`${k}: ${hit === undefined ? 'miss' : `hit ${hit}`} order=${cache.keys().join('')}`);
  if (i === keys.length) {
    clearInterval(timer);
    console.log(`stats ${JSON.stringify(stats())} next=${nextId('z')}`);
    console.log('ok');
  }
}, 3);
