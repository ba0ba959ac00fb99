'use strict';
// A small ray tracer: spheres and a checkered plane, two point lights, Phong shading,
// shadows and mirror reflections (depth 3), rendered at 192x144 with a pinhole camera.
// Vectors are immutable objects, so the workload allocates many short-lived objects, as
// object-oriented JavaScript renderers do.
// Checksum: an FNV hash over the 8-bit pixel values.
const { benchSync, fnv } = require('./harness');

class Vec {
  constructor(x, y, z) {
    this.x = x;
    this.y = y;
    this.z = z;
  }
  add(o) {
    return new Vec(this.x + o.x, this.y + o.y, this.z + o.z);
  }
  sub(o) {
    return new Vec(this.x - o.x, this.y - o.y, this.z - o.z);
  }
  scale(k) {
    return new Vec(this.x * k, this.y * k, this.z * k);
  }
  mul(o) {
    return new Vec(this.x * o.x, this.y * o.y, this.z * o.z);
  }
  dot(o) {
    return this.x * o.x + this.y * o.y + this.z * o.z;
  }
  cross(o) {
    return new Vec(this.y * o.z - this.z * o.y, this.z * o.x - this.x * o.z, this.x * o.y - this.y * o.x);
  }
  get length() {
    return Math.sqrt(this.dot(this));
  }
  unit() {
    return this.scale(1 / this.length);
  }
}

const BLACK = new Vec(0, 0, 0);

class Ray {
  constructor(origin, dir) {
    this.origin = origin;
    this.dir = dir;
  }
  at(t) {
    return this.origin.add(this.dir.scale(t));
  }
}

class Material {
  constructor({ color, diffuse = 0.8, specular = 0.3, shininess = 20, mirror = 0 }) {
    this.color = color;
    this.diffuse = diffuse;
    this.specular = specular;
    this.shininess = shininess;
    this.mirror = mirror;
  }
  colorAt() {
    return this.color;
  }
}

class Checker extends Material {
  constructor(a, b, size, opts) {
    super({ color: a, ...opts });
    this.other = b;
    this.size = size;
  }
  colorAt(p) {
    const k = Math.floor(p.x / this.size) + Math.floor(p.z / this.size);
    return (k & 1) === 0 ? this.color : this.other;
  }
}

class Sphere {
  constructor(center, radius, material) {
    this.center = center;
    this.radius = radius;
    this.material = material;
  }
  intersect(ray) {
    const oc = ray.origin.sub(this.center);
    const b = oc.dot(ray.dir);
    const c = oc.dot(oc) - this.radius * this.radius;
    const disc = b * b - c;
    if (disc < 0) return Infinity;
    const s = Math.sqrt(disc);
    const t = -b - s;
    if (t > 1e-6) return t;
    const t2 = -b + s;
    return t2 > 1e-6 ? t2 : Infinity;
  }
  normal(p) {
    return p.sub(this.center).unit();
  }
}

class Plane {
  constructor(normal, offset, material) {
    this.n = normal.unit();
    this.offset = offset;
    this.material = material;
  }
  intersect(ray) {
    const d = this.n.dot(ray.dir);
    if (Math.abs(d) < 1e-9) return Infinity;
    const t = -(this.n.dot(ray.origin) + this.offset) / d;
    return t > 1e-6 ? t : Infinity;
  }
  normal() {
    return this.n;
  }
}

class Scene {
  constructor(objects, lights, ambient) {
    this.objects = objects;
    this.lights = lights;
    this.ambient = ambient;
  }

  nearest(ray) {
    let best = Infinity;
    let hit = null;
    for (const o of this.objects) {
      const t = o.intersect(ray);
      if (t < best) {
        best = t;
        hit = o;
      }
    }
    return hit === null ? null : { object: hit, t: best };
  }

  shadowed(point, toLight, distance) {
    const ray = new Ray(point, toLight);
    for (const o of this.objects) if (o.intersect(ray) < distance) return true;
    return false;
  }

  trace(ray, depth) {
    const hit = this.nearest(ray);
    if (hit === null) return new Vec(0.1, 0.15, 0.3);
    const p = ray.at(hit.t);
    const n = hit.object.normal(p);
    const m = hit.object.material;
    const base = m.colorAt(p);
    let color = base.scale(this.ambient);
    for (const light of this.lights) {
      const l = light.pos.sub(p);
      const dist = l.length;
      const dir = l.scale(1 / dist);
      if (this.shadowed(p, dir, dist)) continue;
      const lambert = Math.max(0, n.dot(dir));
      color = color.add(base.mul(light.color).scale(lambert * m.diffuse));
      const h = dir.sub(ray.dir).unit();
      const spec = Math.pow(Math.max(0, n.dot(h)), m.shininess) * m.specular;
      color = color.add(light.color.scale(spec));
    }
    if (m.mirror > 0 && depth < 3) {
      const r = ray.dir.sub(n.scale(2 * ray.dir.dot(n)));
      color = color.scale(1 - m.mirror).add(this.trace(new Ray(p, r.unit()), depth + 1).scale(m.mirror));
    }
    return color;
  }
}

function buildScene() {
  const objects = [
    new Plane(new Vec(0, 1, 0), 1, new Checker(new Vec(0.9, 0.9, 0.9), new Vec(0.1, 0.1, 0.1), 1, { mirror: 0.2 })),
    new Sphere(new Vec(0, 0.2, 4), 1.2, new Material({ color: new Vec(0.8, 0.2, 0.2), mirror: 0.3 })),
    new Sphere(new Vec(-2.2, -0.2, 5), 0.8, new Material({ color: new Vec(0.2, 0.8, 0.3), shininess: 60 })),
    new Sphere(new Vec(2.1, -0.4, 3.5), 0.6, new Material({ color: new Vec(0.3, 0.3, 0.9), mirror: 0.6 })),
  ];
  for (let i = 0; i < 6; i++) {
    const a = (i / 6) * Math.PI * 2;
    objects.push(new Sphere(new Vec(Math.cos(a) * 3.5, -0.75, 6 + Math.sin(a) * 2), 0.25, new Material({ color: new Vec(0.9, 0.8, 0.2) })));
  }
  const lights = [
    { pos: new Vec(-4, 6, -1), color: new Vec(0.8, 0.8, 0.8) },
    { pos: new Vec(5, 4, 2), color: new Vec(0.4, 0.35, 0.3) },
  ];
  return new Scene(objects, lights, 0.12);
}

function render(width, height) {
  const scene = buildScene();
  const eye = new Vec(0, 1, -3);
  const forward = new Vec(0, 0.6, 4).sub(eye).unit();
  const right = new Vec(0, 1, 0).cross(forward).unit();
  const up = forward.cross(right);
  const pixels = [];
  const clamp = (v) => Math.min(255, Math.max(0, Math.round(v * 255)));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / width - 0.5;
      const v = 0.5 - (y + 0.5) / height;
      const dir = forward.add(right.scale(u * 1.33)).add(up.scale(v)).unit();
      const c = scene.trace(new Ray(eye, dir), 0);
      pixels.push(clamp(c.x), clamp(c.y), clamp(c.z));
    }
  }
  return fnv(String.fromCharCode.apply(null, pixels.slice(0, 60000)) + pixels.length) + ':' + pixels.reduce((a, b) => a + b, 0);
}

if (BLACK.length !== 0) throw new Error('vector length');
benchSync('raytracer', '837ea82d:5106251', () => render(192, 144));
