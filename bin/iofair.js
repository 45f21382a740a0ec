#!/usr/bin/env node
// The parse worker boots (~100 ms) while the cli's modules load: see dist/cli/parse-prestart.js.
import { prestartParseWorker } from '../dist/cli/parse-prestart.js';
prestartParseWorker(process.argv);
await import('../dist/cli/main.js');
