import type { ConfigInput } from '../../../server/config/config.js';
import { startSim, type TestSim } from '../../helpers/sim.js';

/** A mailsim with its web UI and live feed (the harness serves both), on free loopback ports. */
export function startUiSim(config: ConfigInput = {}): Promise<TestSim> {
  return startSim(config);
}
