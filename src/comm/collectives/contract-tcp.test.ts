// The collective contract suite over real TCP sockets on 127.0.0.1 (one process, one socket per rank pair).

import { connectLoopbackMesh } from '../transport/tcp-loopback.js';
import { collectiveContractSuite } from './test-support/contract-suite.js';

collectiveContractSuite('tcp', (n) => connectLoopbackMesh(n), { headerBytes: 32, worldSizes: [1, 2, 3, 4, 5, 8] });

// Security `none` reads sockets straight into the collectives' buffers (transport/direct-reads.ts), `integrity`
// too, counted once their records verified (transport/verified-direct-reads.ts).
for (const security of ['none', 'integrity'] as const) {
  collectiveContractSuite(`tcp, security ${security} (direct reads)`, (n) => connectLoopbackMesh(n, { transport: { security } }), { headerBytes: 32, worldSizes: [2, 3, 4] });
}
