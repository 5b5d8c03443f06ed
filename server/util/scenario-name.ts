/** A scenario's name: what files, --scenario, the API and `+scenario-NAME` addresses use. */
const NAME = '[a-z0-9][a-z0-9-]*';
export const SCENARIO_NAME = new RegExp(`^${NAME}$`);
export const SCENARIO_NAME_RULE = 'lower-case letters, digits and dashes';

const TAG = new RegExp(`\\+scenario-(${NAME})@`, 'i');

/** An AUTH user or MAIL FROM of the form name+scenario-NAME@domain picks the session's scenario. */
export function scenarioTag(address: string): string | undefined {
  return TAG.exec(address)?.[1]?.toLowerCase();
}
