// The policy list. Adding a policy = adding a file next to this one + one line below.

import type { PolicyFactory } from '../contract.js';
import { cap } from './cap.js';
import { fair } from './fair.js';
import { fifo } from './fifo.js';
import { throttle } from './throttle.js';

export const policies: readonly PolicyFactory[] = [fifo, cap, throttle, fair];

export function findPolicy(name: string): PolicyFactory | undefined {
  return policies.find((p) => p.name === name);
}
