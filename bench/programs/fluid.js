'use strict';
// A 2-D incompressible fluid in the manner of Stam's "stable fluids" (Navier-Stokes on a
// grid): each step adds sources, diffuses and advects velocity and density with an implicit
// Gauss-Seidel solver, and projects the velocity to be divergence-free. 64x64 cells on
// Float64Arrays, 20 steps with a rotating inflow.
// Checksum: the rounded total density and a sample of cells.
const { benchSync } = require('./harness');

class Fluid {
  constructor(n, diffusion, viscosity, dt) {
    this.n = n;
    this.size = (n + 2) * (n + 2);
    this.dt = dt;
    this.diffusion = diffusion;
    this.viscosity = viscosity;
    const field = () => new Float64Array(this.size);
    this.u = field();
    this.v = field();
    this.u0 = field();
    this.v0 = field();
    this.d = field();
    this.d0 = field();
  }

  ix(i, j) {
    return i + (this.n + 2) * j;
  }

  /** Walls: b = 1 mirrors u at vertical walls, b = 2 mirrors v at horizontal ones. */
  boundary(b, x) {
    const n = this.n;
    const w = n + 2;
    for (let i = 1; i <= n; i++) {
      x[i * w] = b === 1 ? -x[1 + i * w] : x[1 + i * w];
      x[n + 1 + i * w] = b === 1 ? -x[n + i * w] : x[n + i * w];
      x[i] = b === 2 ? -x[i + w] : x[i + w];
      x[i + (n + 1) * w] = b === 2 ? -x[i + n * w] : x[i + n * w];
    }
    x[0] = 0.5 * (x[1] + x[w]);
    x[(n + 1) * w] = 0.5 * (x[1 + (n + 1) * w] + x[n * w]);
    x[n + 1] = 0.5 * (x[n] + x[n + 1 + w]);
    x[n + 1 + (n + 1) * w] = 0.5 * (x[n + (n + 1) * w] + x[n + 1 + n * w]);
  }

  linearSolve(b, x, x0, a, c) {
    const n = this.n;
    const w = n + 2;
    const inv = 1 / c;
    for (let k = 0; k < 20; k++) {
      for (let j = 1; j <= n; j++) {
        let idx = 1 + j * w;
        for (let i = 1; i <= n; i++, idx++) {
          x[idx] = (x0[idx] + a * (x[idx - 1] + x[idx + 1] + x[idx - w] + x[idx + w])) * inv;
        }
      }
      this.boundary(b, x);
    }
  }

  diffuse(b, x, x0, rate) {
    const a = this.dt * rate * this.n * this.n;
    this.linearSolve(b, x, x0, a, 1 + 4 * a);
  }

  advect(b, d, d0, u, v) {
    const n = this.n;
    const dt0 = this.dt * n;
    for (let j = 1; j <= n; j++) {
      for (let i = 1; i <= n; i++) {
        const idx = this.ix(i, j);
        let x = i - dt0 * u[idx];
        let y = j - dt0 * v[idx];
        x = Math.min(n + 0.5, Math.max(0.5, x));
        y = Math.min(n + 0.5, Math.max(0.5, y));
        const i0 = Math.floor(x);
        const j0 = Math.floor(y);
        const s1 = x - i0;
        const t1 = y - j0;
        d[idx] = (1 - s1) * ((1 - t1) * d0[this.ix(i0, j0)] + t1 * d0[this.ix(i0, j0 + 1)]) + s1 * ((1 - t1) * d0[this.ix(i0 + 1, j0)] + t1 * d0[this.ix(i0 + 1, j0 + 1)]);
      }
    }
    this.boundary(b, d);
  }

  project(u, v, p, div) {
    const n = this.n;
    const h = 1 / n;
    for (let j = 1; j <= n; j++) {
      for (let i = 1; i <= n; i++) {
        div[this.ix(i, j)] = -0.5 * h * (u[this.ix(i + 1, j)] - u[this.ix(i - 1, j)] + v[this.ix(i, j + 1)] - v[this.ix(i, j - 1)]);
        p[this.ix(i, j)] = 0;
      }
    }
    this.boundary(0, div);
    this.boundary(0, p);
    this.linearSolve(0, p, div, 1, 4);
    for (let j = 1; j <= n; j++) {
      for (let i = 1; i <= n; i++) {
        u[this.ix(i, j)] -= (0.5 * (p[this.ix(i + 1, j)] - p[this.ix(i - 1, j)])) / h;
        v[this.ix(i, j)] -= (0.5 * (p[this.ix(i, j + 1)] - p[this.ix(i, j - 1)])) / h;
      }
    }
    this.boundary(1, u);
    this.boundary(2, v);
  }

  addSources(x, s) {
    for (let i = 0; i < this.size; i++) x[i] += this.dt * s[i];
  }

  step() {
    const { u, v, u0, v0, d, d0 } = this;
    this.addSources(u, u0);
    this.addSources(v, v0);
    this.diffuse(1, u0, u, this.viscosity);
    this.diffuse(2, v0, v, this.viscosity);
    this.project(u0, v0, u, v);
    this.advect(1, u, u0, u0, v0);
    this.advect(2, v, v0, u0, v0);
    this.project(u, v, u0, v0);
    this.addSources(d, d0);
    this.diffuse(0, d0, d, this.diffusion);
    this.advect(0, d, d0, u, v);
  }
}

function simulate() {
  const n = 64;
  const f = new Fluid(n, 0.0001, 0.0001, 0.1);
  let total = 0;
  for (let s = 0; s < 20; s++) {
    f.u0.fill(0);
    f.v0.fill(0);
    f.d0.fill(0);
    const angle = s * 0.3;
    const c = f.ix(n >> 1, n >> 1);
    for (let k = -2; k <= 2; k++) {
      f.d0[c + k] = 100;
      f.u0[c + k] = Math.cos(angle) * 50;
      f.v0[c + k] = Math.sin(angle) * 50;
    }
    f.step();
  }
  for (let i = 0; i < f.size; i++) total += f.d[i];
  const sample = [f.ix(28, 30), f.ix(36, 34), f.ix(32, 20)].map((i) => f.d[i].toFixed(6)).join(',');
  return total.toFixed(4) + '/' + sample;
}

benchSync('fluid', '1271.5251/1.104594,0.122489,0.442181', simulate);
