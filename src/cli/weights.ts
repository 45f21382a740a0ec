import { readFileSync } from 'node:fs';
import { usageError } from './errors.js';

function checkWeight(zone: string, raw: unknown, where: string): number {
  const w = typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (String(raw).trim() === '' || !Number.isFinite(w) || w < 0)
    throw usageError(`${where}: weight of zone '${zone}' must be a non-negative number, found '${String(raw)}'`);
  return w;
}

/** --weights db=3,web=1 */
export function parseWeights(spec: string, into = new Map<string, number>()): Map<string, number> {
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.lastIndexOf('=');
    if (eq <= 0) throw usageError(`--weights: expected zone=weight, found '${part}'`);
    const zone = part.slice(0, eq).trim();
    into.set(zone, checkWeight(zone, part.slice(eq + 1), '--weights'));
  }
  return into;
}

/** --weights-file: a JSON object {"zone": weight} or CSV lines "zone,weight" (a header line is allowed). */
export function readWeightsFile(path: string, into = new Map<string, number>()): Map<string, number> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usageError(`--weights-file: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw usageError(`--weights-file: ${path} is not valid JSON: ${(e as Error).message}`);
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw usageError(`--weights-file: ${path} must hold a JSON object {"zone": weight}`);
    for (const [zone, w] of Object.entries(obj)) into.set(zone, checkWeight(zone, w, path));
    return into;
  }
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const comma = line.lastIndexOf(',');
    if (comma <= 0) throw usageError(`--weights-file: ${path}:${i + 1}: expected zone,weight, found '${line}'`);
    const zone = line.slice(0, comma).trim();
    const w = line.slice(comma + 1).trim();
    if (i === 0 && !Number.isFinite(Number(w))) return; // header line
    into.set(zone, checkWeight(zone, w, `${path}:${i + 1}`));
  });
  return into;
}
