// The runner executes this file. All logic lives in main.ts so tests can import it;
// run() catches everything itself and sets the exit code.
import { run } from './main.js'

void run()
