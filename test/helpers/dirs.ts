import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The data directory (MAILSIM_HOME) of this test process and of the mailsim processes it starts,
 * inside the run's own TMPDIR (global-setup.ts removes it). Never the user's ~/.local/share/mailsim.
 */
export const TEST_HOME = join(tmpdir(), `mailsim-test-home-${process.pid}`);

/** This process's CA and certificates: one directory per process, so no two write the same files. */
export const TEST_TLS_DIR = join(TEST_HOME, 'tls');

/** Certificates global-setup.ts issues once per run; each process starts from a copy. */
export const TLS_TEMPLATE = join(tmpdir(), 'mailsim-test-tls-template');

/** The names the template's certificates cover (global-setup.ts adds this machine's host name, the CLI's default). */
export const TEMPLATE_NAMES = ['localhost', '127.0.0.1', '::1', 'mailsim.test'];
