// Runs the collective contract suite over the in-memory transport for world sizes 5 and 8, holding every call's
// counters to docs/algorithms.md (the world sizes are split over two files so the test runner can run them side by side).

import { createMemoryTransports, DEFAULT_HEADER_BYTES } from '../transport/memory-transport.js';
import { collectiveContractSuite } from './test-support/contract-suite.js';

collectiveContractSuite('memory', (n) => createMemoryTransports(n), { headerBytes: DEFAULT_HEADER_BYTES, worldSizes: [5, 8] });
