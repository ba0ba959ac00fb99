/* thingsjs-instrumented v1 */
'use strict';
var $tjs_rt = globalThis.$tjs_runtime;
if (!$tjs_rt) throw new Error("this program was instrumented by ThingsJS: run it with `thingsctl run` or on a thingsjs-agent");
var $tjs_K = $tjs_rt.codeVersion(2);
var $tjs_KF = $tjs_K.F;
var $tjs_KC = $tjs_K.C;
function $tjs_f2($tjs_e0, $tjs_e1) {
  const $tjs_t0 = (0, () => ($tjs_e1.n += $tjs_e1.step, $tjs_e0.hits++, $tjs_e1.n));
  new $tjs_K($tjs_t0, $tjs_f2, $tjs_e0, $tjs_e1);
  return $tjs_t0;
}
function $tjs_f1($tjs_e0) {
  const $tjs_t0 = function makeCounter(start) {
    var $tjs_e1 = {
      n: void 0,
      step: void 0
    };
    $tjs_e1.n = start;
    $tjs_e1.step = 1;
    return $tjs_f2($tjs_e0, $tjs_e1);
  };
  new $tjs_KF($tjs_t0, $tjs_f1, $tjs_e0);
  return $tjs_t0;
}
function $tjs_f3($tjs_e0, $tjs_e3) {
  const $tjs_t0 = (0, () => console.log($tjs_e3.i, (0, $tjs_e0.makeCounter)($tjs_e3.i)()));
  new $tjs_K($tjs_t0, $tjs_f3, $tjs_e0, $tjs_e3);
  return $tjs_t0;
}
function $tjs_f4($tjs_e0) {
  const $tjs_t0 = ({
    describe() {
      return this.name + $tjs_e0.hits;
    }
  }).describe;
  new $tjs_K($tjs_t0, $tjs_f4, $tjs_e0);
  return $tjs_t0;
}
function $tjs_f6($tjs_e6) {
  const $tjs_t0 = (0, () => $tjs_e6.$tjs_this === undefined && $tjs_e6.$tjs_args.length);
  new $tjs_K($tjs_t0, $tjs_f6, $tjs_e6);
  return $tjs_t0;
}
function $tjs_f5() {
  const $tjs_t0 = function outer() {
    var $tjs_e6 = {
      $tjs_this: this,
      $tjs_args: arguments
    };
    return $tjs_f6($tjs_e6);
  };
  new $tjs_KF($tjs_t0, $tjs_f5);
  return $tjs_t0;
}
$tjs_rt.module(module, [$tjs_f2, $tjs_f1, $tjs_f3, $tjs_f4, $tjs_f6, $tjs_f5], function $tjs_main() {
  var $tjs_e0 = {
    hits: void 0,
    makeCounter: void 0
  };
  $tjs_e0.makeCounter = $tjs_f1($tjs_e0);
  var outer = $tjs_f5();
  $tjs_e0.hits = 0;
  const limit = 3;
  for (let $tjs_e3 = {
    i: 0
  }; $tjs_e3.i < limit; ($tjs_e3 = {
    i: $tjs_e3.i
  }, $tjs_e3.i++)) setTimeout($tjs_f3($tjs_e0, $tjs_e3), $tjs_e3.i);
  const api = {
    name: 'api',
    describe: $tjs_f4($tjs_e0)
  };
  module.exports = {
    api,
    outer
  };
}, this, require);
