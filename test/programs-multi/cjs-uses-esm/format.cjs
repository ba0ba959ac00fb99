'use strict';
let count = 0;
exports.label = (s) => `#${++count} ${s}`;
