import { cpSync, existsSync } from 'node:fs';
import { TEST_HOME, TEST_TLS_DIR, TLS_TEMPLATE } from './dirs.js';

// Runs in each test process before its test file (vitest setupFiles). mailsim started in here
// (startSim, startMailsim) or from here (the CLI, node --test) keeps its data in TEST_HOME.
process.env.MAILSIM_HOME = TEST_HOME;
// Issuing a CA and its certificates costs ~0.3-0.8 s; copying the run's template costs nothing.
if (existsSync(TLS_TEMPLATE) && !existsSync(TEST_TLS_DIR)) cpSync(TLS_TEMPLATE, TEST_TLS_DIR, { recursive: true });
