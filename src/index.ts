// The runner executes this file. All logic lives in main.ts so tests can import it;
// run() catches everything itself and sets the exit code.
import { setFlagsFromString } from 'node:v8'
import * as core from '@actions/core'
import { run } from './main.js'
import { errorMessage } from './util/errors.js'

// The runner starts Node without flags and an action cannot set NODE_OPTIONS for itself.
// V8 doubles the young generation whenever much survives a scavenge, which a fleet
// snapshot does: at 1,000 clusters the young generation alone reached 128 MB of RSS.
// V8 reads this flag each time it considers growing, so setting it here keeps the young
// generation at its initial size (bench: peak RSS 299 MB -> 183 MB, same wall time).
setFlagsFromString('--semi-space-growth-factor=1')
// V8 also sizes the old generation for throughput: on a machine with gigabytes free it lets
// the heap grow far past what survived the last full collection (two in a whole 1,000-cluster
// run) and keeps freed pages pooled. A run is bound by ARM's latency, not by the CPU, and much
// of what it drops holds native memory V8 does not count (in pre-flight, a TLS connection and
// a credential per cluster), so that growth is RSS. Memory saver mode makes V8 collect sooner
// and return freed pages; it takes effect when set at run time (--trace-gc shows its memory
// reducing collections). Bench, 1,000 clusters: peak RSS 191-194 MB -> 147-164 MB, about 15
// more full collections and 1,200 more scavenges of a few milliseconds each, same wall time.
setFlagsFromString('--memory-saver-mode')

// run() reports its own failures; this catches only a defect that escaped it, so the run
// still fails with a message instead of an unhandled rejection.
run().catch((error: unknown) => {
  core.setFailed(`AKS Upgrade Pilot failed unexpectedly: ${errorMessage(error)}`)
})
