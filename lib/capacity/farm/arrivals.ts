// The load a farm plan replays: seeded, so every plan is the same on every machine. Scenario
// waves spread evenly, a day profile's Poisson arrivals, build durations log-normal through p50/p95.
import type { BuildDurations, FarmPlanSection } from './props';
import type { Arrival } from './sim';

/** mulberry32: a small seeded PRNG, so every plan is the same on every machine. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export const seedOf = (id: string): number => [...id].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0, 2166136261);

/** z of the 95th percentile of the standard normal. */
const Z95 = 1.6448536269514722;

/** A build duration (whole seconds, at least 1) drawn from the log-normal through p50 and p95. */
export function buildDurationSampler(d: BuildDurations, random: () => number): () => number {
  const mu = Math.log(d.p50Seconds);
  const sigma = (Math.log(d.p95Seconds) - mu) / Z95;
  return () => {
    if (sigma === 0) return d.p50Seconds;
    // Box-Muller; 1 - u keeps log away from 0
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(1, Math.round(Math.exp(mu + sigma * z)));
  };
}

/** The arrivals of a scenario: each wave's builds evenly spread over its spread, durations seeded by the id. */
export function scenarioArrivals(s: FarmPlanSection['scenarios'][number]): Arrival[] {
  const random = rng(seedOf(s.id));
  const out: Arrival[] = [];
  for (const w of s.waves) {
    const draw = buildDurationSampler(w.duration, random);
    for (let i = 0; i < w.count; i++) out.push({ at: w.atSeconds + Math.floor((i * w.spreadSeconds) / w.count), duration: draw() });
  }
  return out.sort((x, y) => x.at - y.at);
}

/** `days` days of a day profile: Poisson arrivals at each hour's rate, seeded by the arch. */
export function dayProfileArrivals(d: FarmPlanSection['dayProfile'][number], days: number): Arrival[] {
  const random = rng(seedOf(`day-${d.arch}`));
  const draw = buildDurationSampler(d.duration, random);
  const out: Arrival[] = [];
  for (let day = 0; day < days; day++) {
    for (let h = 0; h < 24; h++) {
      const rate = d.hourlyBuilds[h] / 3600;
      if (rate === 0) continue;
      const start = (day * 24 + h) * 3600;
      let t = -Math.log(1 - random()) / rate;
      while (t < 3600) {
        out.push({ at: start + Math.floor(t), duration: draw() });
        t += -Math.log(1 - random()) / rate;
      }
    }
  }
  return out;
}
