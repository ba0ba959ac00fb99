'use strict';
console.log('early.js runs its top level');
const notes = [];
exports.note = (n) => notes.push(n);
exports.notes = () => notes.length;
